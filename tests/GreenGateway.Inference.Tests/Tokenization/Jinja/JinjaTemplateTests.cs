using System.Text.Json;
using GreenGateway.Inference.Tokenization.Jinja;

namespace GreenGateway.Inference.Tests.Tokenization.Jinja;

/// <summary>The interpreter piece by piece; every expected string is what jinja2 3.1.6 renders in transformers' environment.</summary>
public sealed class JinjaTemplateTests
{
    private static string Render(string source, string variables = "{}", JinjaLimits? limits = null)
    {
        using var doc = JsonDocument.Parse(variables);
        var vars = doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (JsonElement?)p.Value.Clone());
        return JinjaTemplate.Parse(source).Render(vars, limits);
    }

    [Theory]
    [InlineData("{# c #}\n  {% if true %}\n  x\n  {% endif %}\n", "  x\n")]
    [InlineData("a  {% if true %}b{% endif %}", "a  b")]
    [InlineData("{%- set x = 1 -%}\n  a\n  {{- x -}}\n  b", "a1b")]
    [InlineData("  {%+ if true %}x{% endif +%}\ny", "  x\ny")]
    [InlineData("{% for i in [1, 2] %}\n    {{ i }}\n{% endfor %}\n", "    1\n    2\n")]
    [InlineData("x\n", "x")]
    public void Whitespace_control_follows_trim_blocks_and_lstrip_blocks(string source, string expected) =>
        Assert.Equal(expected, Render(source));

    [Theory]
    [InlineData("{{ [1,2] ~ 3 }} {{ {\"a\": [1.0, none, True, \"it's\"]} }} {{ 1e20 }} {{ 0.00001 }} {{ 1/3 }} {{ 7 // 2 }} {{ -7 % 3 }} {{ 2 ** 10 }}",
        "[1, 2]3 {'a': [1.0, None, True, \"it's\"]} 1e+20 1e-05 0.3333333333333333 3 2 1024")]
    [InlineData("{{ \"a,b,,c\".split(\",\") }} {{ \" a  b \".split() }} {{ \"abc\"[::-1] }} {{ [1,2,3][1:] }}", "['a', 'b', '', 'c'] ['a', 'b'] cba [2, 3]")]
    [InlineData("{{ x is defined }}{{ x|length }}{{ x ~ \"y\" }}{{ x|default(\"d\") }}", "False0yd")]
    [InlineData("{{ x == x }}{{ none == x }}{{ x in [1] }}{{ 1 in x }}", "TrueFalseFalseFalse")]
    [InlineData("{{ [1,2][5] }}|{{ {\"a\":1}|items|list }}|{{ {\"a\":1}.get(\"b\", 3) }}", "|[('a', 1)]|3")]
    [InlineData("{{ \"abc\".upper() }}{{ \"abc\" | title }}{{ \"hello world\"|capitalize }}{{ \"Ab\"|lower }}", "ABCAbcHello worldab")]
    [InlineData("{{ [3,1]|tojson }}{{ {\"a\":\"é<>&'\"}|tojson(indent=2) }}{{ 1.5|int }}{{ \"7\"|int }}{{ \"x\"|int }}", "[3, 1]{\n  \"a\": \"é<>&'\"\n}170")]
    [InlineData("{% set ns = namespace(a=1) %}{% for i in [1,2] %}{% set ns.a = ns.a + i %}{% endfor %}{{ ns.a }}", "4")]
    [InlineData("{% for i in [1,2,3] if i > 1 %}{{ loop.index }}/{{ loop.length }}{% if loop.last %}L{% endif %}{% else %}E{% endfor %}", "1/22/2L")]
    [InlineData("{% for i in [] %}x{% else %}E{% endfor %}", "E")]
    [InlineData("{% for i in [1,2,3] %}{% if i == 2 %}{% continue %}{% endif %}{{ i }}{% if i == 3 %}{% break %}{% endif %}{% endfor %}", "13")]
    [InlineData("{{ (1, 2) }}{{ () }}{{ {'a': 1}.items() | list }}", "(1, 2)()[('a', 1)]")]
    [InlineData("{{ 1 if true else 2 }}{{ \"a\" \"b\" }}{{ 'it\\'s' }}{{ \"\\u00e9\\x41\\n\" }}", "1abit'séA\n")]
    [InlineData("{{ True }}{{ none }}{{ 3.0 }}{{ 10000000000000000.0 }}{{ 1e-5 }}{{ 123456789012345.6 }}", "TrueNone3.01e+161e-05123456789012345.6")]
    [InlineData("{{ [\"a\", \"b\"]|join(\", \") }}{{ [1, 2]|join }}{{ \"abc\"|first }}{{ [1,2]|last }}{{ []|first }}", "a, b12a2")]
    [InlineData("{{ [{\"a\":1},{\"a\":2},{\"b\":3}]|selectattr(\"a\")|list }}{{ [{\"a\":1},{\"a\":2}]|selectattr(\"a\", \"equalto\", 2)|list }}", "[{'a': 1}, {'a': 2}][{'a': 2}]")]
    [InlineData("{{ [\"a\",\"b\"]|map(\"upper\")|list }}{{ [{\"r\":\"u\"},{\"r\":\"a\"}]|rejectattr(\"r\",\"eq\",\"u\")|list }}", "['A', 'B'][{'r': 'a'}]")]
    [InlineData("{% macro f(a, b=\"x\") %}[{{ a }}{{ b }}]{% endmacro %}{{ f(1) }}{{ f(1, b=2) }}", "[1x][12]")]
    [InlineData("{{ \"  x  \"|trim }}|{{ \"xxaxx\".strip(\"x\") }}|{{ \"a b\".replace(\" \", \"_\") }}|{{ \"ab\".startswith((\"x\",\"a\")) }}", "x|a|a_b|True")]
    [InlineData("{{ 'a' * 3 }}{{ [1] * 2 }}{{ 1 + 1.5 }}{{ \"a\" < \"b\" }}{{ 1 == 1.0 }}{{ True == 1 }}", "aaa[1, 1]2.5TrueTrueTrue")]
    [InlineData("{{ {\"a\": 1, \"b\": [1, 2]}|tojson }}|{{ {\"a\": {}, \"b\": []}|tojson(indent=2) }}", "{\"a\": 1, \"b\": [1, 2]}|{\n  \"a\": {},\n  \"b\": []\n}")]
    [InlineData("{{ messages is string }}{{ [1] is sequence }}{{ {} is mapping }}{{ \"a\" is iterable }}{{ 1 is number }}{{ true is boolean }}{{ none is none }}", "FalseTrueTrueTrueTrueTrueTrue")]
    [InlineData("{% for i in range(3) %}{% if i == 0 %}{% set x = \"a\" %}{% endif %}[{{ x }}]{% endfor %}{{ x }}", "[a][][]")]
    [InlineData("{% set x = 1 %}{% for i in range(3) %}{{ x }}{% set x = x + 1 %}{{ x }}|{% endfor %}{{ x }}", "12|12|12|1")]
    [InlineData("{% if true %}{% set y = 2 %}{% endif %}{{ y }}", "2")]
    [InlineData("{{ none.x }}|{{ (1).x }}", "|")]
    [InlineData("{%- filter trim -%}\n  x  \n{%- endfilter -%}|{% filter replace('a', 'b') %}aa{% endfilter %}", "x|bb")]
    [InlineData("{% set s %}a{{ 1 + 1 }}{% endset %}{{ s }}{% generation %}g{% endgeneration %}", "a2g")]
    public void Expressions_filters_and_scopes_match_jinja2(string source, string expected) =>
        Assert.Equal(expected, Render(source));

    [Fact]
    public void Variables_are_JSON_values_as_python_sees_them()
    {
        var output = Render("{% for m in messages %}{{ loop.index0 }}:{{ m.role }}={{ m['content'] | trim }}{{ ',' if not loop.last }}{% endfor %}|{{ tools | tojson }}",
            """{"messages": [{"role": "user", "content": " hi "}, {"role": "assistant", "content": "yo"}], "tools": [{"n": 1.5, "m": 2}]}""");

        Assert.Equal("0:user=hi,1:assistant=yo|[{\"n\": 1.5, \"m\": 2}]", output);
    }

    [Theory]
    [InlineData("{{ x + \"y\" }}", "'x' is undefined")]
    [InlineData("{{ x.y }}", "'x' is undefined")]
    [InlineData("{% for a in none %}{% endfor %}", "not iterable")]
    [InlineData("{{ {}.x.y is defined }}", "has no attribute 'x'")]
    [InlineData("{{ 'a' + 1 }}", "can only concatenate str")]
    [InlineData("{{ [].append(1) }}", "unsafe")]
    [InlineData("{{ 1 | nosuchfilter }}", "no filter named")]
    public void Errors_where_jinja2_errors(string source, string message)
    {
        var e = Assert.ThrowsAny<TemplateException>(() => Render(source));

        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Raise_exception_throws_the_templates_message()
    {
        var e = Assert.Throws<TemplateRaisedException>(() => Render("{% if messages[0].role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}",
            """{"messages": [{"role": "system", "content": "x"}]}"""));

        Assert.Equal("System role not supported", e.Message);
    }

    [Theory]
    [InlineData("{% for i in range(999999999) %}{% endfor %}")]
    [InlineData("{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}")]
    [InlineData("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}")]
    [InlineData("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}")]
    [InlineData("{{ 'x' * 1000000000 }}")]
    [InlineData("{% for i in range(100000) %}{{ 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' }}{% endfor %}")]
    public void Hostile_templates_stop_at_the_limits(string source)
    {
        var limits = new JinjaLimits { MaxOutputChars = 1 << 20, MaxSteps = 200_000, MaxCallDepth = 32 };
        var watch = System.Diagnostics.Stopwatch.StartNew();

        Assert.Throws<TemplateLimitException>(() => Render(source, limits: limits));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    [Theory]
    [InlineData("{% for x in y %}", "missing 'endfor'")]
    [InlineData("{{ 1 + }}", "unexpected")]
    [InlineData("{% frobnicate %}", "unsupported tag 'frobnicate'")]
    [InlineData("{{ 'abc }}", "unterminated string")]
    public void Syntax_errors_name_the_problem(string source, string message)
    {
        var e = Assert.Throws<TemplateSyntaxException>(() => JinjaTemplate.Parse(source));

        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deep_nesting_is_a_syntax_error_not_a_stack_overflow()
    {
        var source = "{{ " + new string('(', 5000) + "1" + new string(')', 5000) + " }}";

        var e = Assert.Throws<TemplateSyntaxException>(() => JinjaTemplate.Parse(source));

        Assert.Contains("nests deeper", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Strftime_now_formats_the_providers_clock()
    {
        var clock = new FixedClock(new DateTimeOffset(2024, 7, 26, 9, 5, 0, TimeSpan.Zero));

        var output = JinjaTemplate.Parse("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%Y-%m-%d %H:%M') }}|{{ strftime_now('%B %A') }}")
            .Render(new Dictionary<string, JsonElement?>(), time: clock);

        Assert.Equal("26 Jul 2024|2024-07-26 09:05|July Friday", output);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;

        public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
    }
}
