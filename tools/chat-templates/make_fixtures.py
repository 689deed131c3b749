#!/usr/bin/env python3
"""Renders fixed conversations with each chat template as transformers does, and writes them as JSON fixtures.

Usage: python3 make_fixtures.py [--templates DIR] --out DIR [--fallback]

By default every conversation is rendered with transformers' own ``apply_chat_template(..., tokenize=False)`` on a
tokenizer built without weights; the committed fixtures come from that path (run on the GPU machine, which has
transformers). ``--fallback`` renders with jinja2 set up the way transformers sets it up (for iterating where
transformers is not installed); its fixtures are marked ``"renderer": "jinja2-fallback"`` and must not be committed.
"""
import argparse
import json
import os
import sys
from datetime import datetime

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_TEMPLATES = os.path.join(HERE, "..", "..", "tests", "GreenGateway.Inference.Tests", "Tokenization", "Fixtures", "chat-templates")

# family file -> its special tokens (as in the model's tokenizer_config.json) and whether it takes tools.
TEMPLATES = {
    "llama3": {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>", "tools": False},
    "llama3.1": {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>", "tools": True},
    "mistral-v0.1": {"bos_token": "<s>", "eos_token": "</s>", "tools": False},
    "mistral-v0.3": {"bos_token": "<s>", "eos_token": "</s>", "tools": True},
    "mistral-nemo": {"bos_token": "<s>", "eos_token": "</s>", "tools": True},
    "qwen2": {"bos_token": None, "eos_token": "<|im_end|>", "tools": False},
    "qwen2.5": {"bos_token": None, "eos_token": "<|im_end|>", "tools": True},
    "gemma2": {"bos_token": "<bos>", "eos_token": "<eos>", "tools": False},
    "phi3": {"bos_token": "<s>", "eos_token": "<|endoftext|>", "tools": False},
    "hermes-2-pro": {"bos_token": "<|begin_of_text|>", "eos_token": "<|im_end|>", "tools": True},
}

SYSTEM = {"role": "system", "content": "You are a terse assistant."}
USER1 = {"role": "user", "content": "What is the capital of France?"}
ASSISTANT1 = {"role": "assistant", "content": "Paris."}
USER2 = {"role": "user", "content": "And of Italy?"}

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_current_temperature",
            "description": "Get the current temperature at a location.",
            "parameters": {
                "type": "object",
                "properties": {
                    "location": {"type": "string", "description": "The location, as \"City, Country\""},
                    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "description": "The unit."},
                },
                "required": ["location", "unit"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "get_time",
            "description": "The local time in a time zone.",
            "parameters": {"type": "object", "properties": {"zone": {"type": "string", "description": "IANA zone"}}, "required": ["zone"]},
        },
    },
]

TOOL_CALL = {
    "role": "assistant",
    "tool_calls": [
        {
            "id": "abcdef123",
            "type": "function",
            "function": {"name": "get_current_temperature", "arguments": {"location": "Paris, France", "unit": "celsius"}},
        }
    ],
}
TOOL_RESULT = {"role": "tool", "tool_call_id": "abcdef123", "name": "get_current_temperature", "content": "22.0"}
# OpenAI's wire format: the arguments are a JSON string, not an object.
TOOL_CALL_STRING_ARGS = {
    "role": "assistant",
    "content": "Let me check.",
    "tool_calls": [
        {"id": "abcdef123", "type": "function", "function": {"name": "get_time", "arguments": "{\"zone\": \"Europe/Paris\"}"}}
    ],
}
WEATHER_Q = {"role": "user", "content": "Hey, what's the temperature in Paris right now?"}

# name -> (messages, add_generation_prompt, uses tools)
CASES = [
    ("system_user", [SYSTEM, USER1], True, False),
    ("user_only", [USER1], True, False),
    ("multi_turn", [USER1, ASSISTANT1, USER2], True, False),
    ("multi_turn_system", [SYSTEM, USER1, ASSISTANT1, USER2], True, False),
    ("assistant_last_no_generation_prompt", [USER1, ASSISTANT1], False, False),
    ("assistant_last_with_generation_prompt", [USER1, ASSISTANT1], True, False),
    ("unicode_and_whitespace", [{"role": "user", "content": "  Héllo 👋 \"quoted\" <b>&amp;</b>\n\tnew line  \n"}], True, False),
    ("non_alternating_roles", [USER1, USER2], True, False),
    ("assistant_first", [ASSISTANT1, USER1], True, False),
    ("empty_conversation", [], True, False),
    ("tools_offered", [SYSTEM, WEATHER_Q], True, True),
    ("tool_call_and_result", [SYSTEM, WEATHER_Q, TOOL_CALL, TOOL_RESULT], True, True),
    ("tool_call_no_system", [WEATHER_Q, TOOL_CALL, TOOL_RESULT], False, True),
    ("tool_call_string_arguments", [WEATHER_Q, TOOL_CALL_STRING_ARGS], False, True),
]


def fallback_renderer():
    """jinja2 configured as transformers' _compile_jinja_template configures it."""
    import jinja2
    import jinja2.ext
    from jinja2.ext import loopcontrols
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(fmt):
        return datetime.now().strftime(fmt)

    class Generation(jinja2.ext.Extension):
        """transformers' AssistantTracker, reduced to rendering the {% generation %} block's body."""
        tags = {"generation"}

        def parse(self, parser):
            next(parser.stream)
            return parser.parse_statements(("name:endgeneration",), drop_needle=True)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols, Generation])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now

    def render(source, tokens, messages, tools, add_generation_prompt):
        kwargs = {k: v for k, v in tokens.items() if v is not None}
        return env.from_string(source).render(messages=messages, tools=tools, documents=None,
                                              add_generation_prompt=add_generation_prompt, **kwargs)

    return render, "jinja2-fallback " + jinja2.__version__


def transformers_renderer():
    import tokenizers
    import transformers
    from transformers import PreTrainedTokenizerFast

    def render(source, tokens, messages, tools, add_generation_prompt):
        backend = tokenizers.Tokenizer(tokenizers.models.WordLevel({"<unk>": 0}, unk_token="<unk>"))
        kwargs = {k: v for k, v in tokens.items() if v is not None}
        tok = PreTrainedTokenizerFast(tokenizer_object=backend, **kwargs)
        tok.chat_template = source
        return tok.apply_chat_template(messages, tools=tools, add_generation_prompt=add_generation_prompt, tokenize=False)

    return render, "transformers " + transformers.__version__ + ", tokenizers " + tokenizers.__version__


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--templates", default=DEFAULT_TEMPLATES)
    parser.add_argument("--out", required=True)
    parser.add_argument("--fallback", action="store_true")
    args = parser.parse_args()
    render, renderer = fallback_renderer() if args.fallback else transformers_renderer()
    os.makedirs(args.out, exist_ok=True)
    for family, spec in TEMPLATES.items():
        with open(os.path.join(args.templates, family + ".jinja"), encoding="utf-8") as f:
            source = f.read()
        tokens = {"bos_token": spec["bos_token"], "eos_token": spec["eos_token"]}
        cases = []
        for name, messages, gp, uses_tools in CASES:
            if uses_tools and not spec["tools"]:
                continue
            tools = TOOLS if uses_tools else None
            case = {"name": name, "messages": messages, "tools": tools, "add_generation_prompt": gp}
            try:
                case["expected"] = render(source, tokens, messages, tools, gp)
            except Exception as e:  # the template refused the conversation, or failed on it
                import jinja2
                raised = type(e) is jinja2.exceptions.TemplateError
                case["error"] = {"raised_by_template": raised, "type": type(e).__name__, "message": str(e)}
            cases.append(case)
        fixture = {"template": family + ".jinja", "renderer": renderer, **tokens, "cases": cases}
        with open(os.path.join(args.out, family + ".json"), "w", encoding="utf-8") as f:
            json.dump(fixture, f, ensure_ascii=False, indent=1)
            f.write("\n")
        print(family, len(cases), "cases,", sum("error" in c for c in cases), "errors", file=sys.stderr)
    print("renderer:", renderer, file=sys.stderr)


if __name__ == "__main__":
    main()
