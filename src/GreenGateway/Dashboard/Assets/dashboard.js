// GreenGateway's dashboard: a view of the admin API (/admin/v1). Every figure is written with its unit, and carries the
// exact value it shows in data-value (with its name in data-metric), so that what the page says can be checked against
// the API. No library, nothing fetched from elsewhere.
"use strict";
(() => {
  const state = { window: "hour", tenant: "", refresh: 5, timer: 0 };
  const $ = (id) => document.getElementById(id);

  function sig(v, digits) {
    if (v === null || v === undefined || Number.isNaN(v)) return "–";
    if (v === 0) return "0";
    const a = Math.abs(v);
    if (a >= 1000) return Math.round(v).toLocaleString("en-US");
    return Number(v.toPrecision(digits)).toString();
  }
  const units = {
    j: (v) => `${sig(v, 4)} J`,
    wh: (v) => `${sig(v, 4)} Wh`,
    g: (v) => `${sig(v, 3)} gCO2e`,
    n: (v) => (v === null || v === undefined ? "–" : sig(v, 6)),
    pct: (v) => (v === null || v === undefined ? "–" : `${(v * 100).toFixed(1)} %`),
    gkwh: (v) => `${sig(v, 4)} gCO2e/kWh`,
    tps: (v) => (v === null || v === undefined ? "–" : `${sig(v, 4)} tokens/s`),
    jpt: (v) => (v === null || v === undefined ? "–" : `${sig(v, 4)} J/token`),
    x: (v) => (v === null || v === undefined ? "–" : `${sig(v, 3)} tokens/call`),
  };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== null && v !== undefined) node.setAttribute(k, v);
    }
    for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    return node;
  }

  // A figure: its text with unit, its exact value and name for checks.
  function fig(tag, metric, value, unit, extra) {
    const node = el(tag, Object.assign({ "data-metric": metric, "data-value": value === null || value === undefined ? "" : String(value) }, extra || {}));
    node.textContent = units[unit](value);
    return node;
  }

  function card(label, metric, value, unit, note) {
    const dd = fig("dd", metric, value, unit);
    if (note) dd.append(el("small", {}, note));
    return el("div", {}, el("dt", {}, label), dd);
  }

  function table(id, headers, rows, caption) {
    const t = $(id);
    t.replaceChildren();
    if (caption) t.append(el("caption", { class: "sub" }, caption));
    t.append(el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { scope: "col" }, h)))));
    const body = el("tbody");
    if (rows.length === 0) body.append(el("tr", {}, el("td", { colspan: String(headers.length), class: "text" }, "No data in this window yet.")));
    for (const r of rows) body.append(el("tr", {}, ...r));
    t.append(body);
  }

  function summaryOf(data) {
    if (state.tenant) return data.tenants.find((t) => t.tenant === state.tenant) || data.totals;
    return data.totals;
  }

  function renderCards(s, scope) {
    $("scope").textContent = scope;
    const method = s.baseline_method ? `against the large model, ${s.baseline_method}` : "no answers yet";
    const cards = $("cards");
    cards.replaceChildren(
      card("Energy", "summary.energy_joules", s.energy_joules, "j", null),
      card("Energy (Wh)", "summary.energy_wh", s.energy_wh, "wh", null),
      card("Carbon", "summary.carbon_gco2e", s.carbon_gco2e, "g", null),
      card("Answers", "summary.requests", s.requests, "n", null),
      card("Joules per answer", "summary.joules_per_request", s.joules_per_request, "j", null),
      card("Joules per useful answer", "summary.joules_per_useful_answer", s.joules_per_useful_answer, "j",
        `${s.useful_answers} useful: answers not marked not useful (${s.not_useful} marked not useful)`),
      card("Saving", "summary.saving_joules", s.saving_joules, "j", method),
      card("Saving (share)", "summary.saving_fraction", s.saving_fraction, "pct", `of ${units.j(s.baseline_energy_joules)} for the large model alone`),
      card("Cache hit rate", "summary.cache_hit_rate", s.cache_hit_rate, "pct", null),
      card("Refused (budget)", "summary.refused", s.refused, "n", null),
      card("Downgraded (budget)", "summary.downgraded", s.downgraded, "n", null),
    );
    const methodNode = el("span", { "data-metric": "summary.baseline_method", "data-value": s.baseline_method || "" }, s.baseline_method || "–");
    cards.children[6].querySelector("small").replaceChildren("against the large model, ", methodNode);
  }

  function renderTenants(data) {
    const rows = data.tenants.map((t) => {
      const p = `tenant.${t.tenant}.`;
      const tiers = Object.entries(t.tiers).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(", ") || "–";
      return [
        el("th", { scope: "row" }, t.tenant),
        fig("td", p + "requests", t.requests, "n"),
        fig("td", p + "energy_joules", t.energy_joules, "j"),
        fig("td", p + "carbon_gco2e", t.carbon_gco2e, "g"),
        fig("td", p + "joules_per_request", t.joules_per_request, "j"),
        fig("td", p + "joules_per_useful_answer", t.joules_per_useful_answer, "j"),
        fig("td", p + "saving_joules", t.saving_joules, "j"),
        el("td", { class: "text", "data-metric": p + "baseline_method", "data-value": t.baseline_method || "" }, t.baseline_method || "–"),
        fig("td", p + "cache_hit_rate", t.cache_hit_rate, "pct"),
        el("td", { class: "text" }, tiers),
        fig("td", p + "refused", t.refused, "n"),
        fig("td", p + "downgraded", t.downgraded, "n"),
      ];
    });
    table("tenants", ["Tenant", "Answers", "Energy", "Carbon", "J per answer", "J per useful answer", "Saving", "Baseline", "Cache hits", "Tier mix", "Refused", "Downgraded"], rows);
  }

  function renderBudgets(data) {
    const rows = [];
    for (const t of data.tenants) {
      if (state.tenant && t.tenant !== state.tenant) continue;
      for (const b of t.budgets) {
        const p = `budget.${t.tenant}.${b.window}.`;
        const used = b.limit_energy_wh ? b.energy_wh / b.limit_energy_wh : null;
        const meter = used === null ? el("span", {}, "no limit")
          : el("meter", { min: "0", max: "1", value: String(Math.min(1, used)), "aria-label": `${t.tenant} ${b.window} energy budget used` });
        rows.push([
          el("th", { scope: "row" }, `${t.tenant} · ${b.window}`),
          fig("td", p + "energy_joules", b.energy_joules, "j"),
          fig("td", p + "energy_wh", b.energy_wh, "wh"),
          fig("td", p + "limit_energy_wh", b.limit_energy_wh, "wh"),
          el("td", {}, meter, " ", used === null ? "" : units.pct(used)),
          fig("td", p + "carbon_gco2e", b.carbon_gco2e, "g"),
          fig("td", p + "limit_carbon_gco2e", b.limit_carbon_gco2e, "g"),
          el("td", { class: "text" }, b.exhausted ? el("span", { class: "badge bad" }, "spent") : el("span", { class: "badge ok" }, "open")),
        ]);
      }
    }
    table("budgets", ["Tenant · window", "Energy", "Energy (Wh)", "Limit", "Used", "Carbon", "Limit", "State"], rows);
  }

  function renderModels(data) {
    const rows = data.models.map((m) => {
      const p = `model.${m.model}.`;
      const h = m.health;
      const health = !h ? el("span", {}, "–")
        : el("span", { class: `badge ${h.status === "healthy" ? "ok" : "bad"}` }, `${h.status} (${h.healthy_destinations}/${h.destinations})`);
      return [
        el("th", { scope: "row" }, m.model),
        el("td", { class: "text" }, m.upstream || "–"),
        fig("td", p + "requests", m.requests, "n"),
        fig("td", p + "errors", m.errors, "n"),
        fig("td", p + "tokens_per_second", m.tokens_per_second, "tps"),
        fig("td", p + "joules_per_token", m.joules_per_token, "jpt"),
        fig("td", p + "energy_joules", m.energy_joules, "j"),
        el("td", { class: "text" }, health),
      ];
    });
    table("models", ["Model", "Upstream", "Answers", "Errors", "Speed (upstream answers)", "Energy per token (upstream answers)", "Energy", "Upstream health"], rows);
  }

  function renderGrid(data) {
    const box = $("grid");
    box.replaceChildren();
    for (const g of data.grid) {
      const p = `grid.${g.region}.`;
      box.append(el("p", {}, `${g.region}, now: `, fig("strong", p + "g_per_kwh", g.g_per_kwh, "gkwh"), ` (source: ${g.source})`));
      if (g.forecast && g.forecast.length > 0) {
        const list = el("ul", { "aria-label": `${g.region} forecast` });
        for (const f of g.forecast.slice(0, 12)) {
          const at = new Date(f.at).toISOString().slice(11, 16);
          list.append(el("li", {}, `${at} UTC: `, fig("span", `${p}forecast.${f.at}`, f.g_per_kwh, "gkwh")));
        }
        box.append(el("p", {}, "Forecast, next 24 hours:"), list);
      } else {
        box.append(el("p", { class: "note" }, "This source gives no forecast."));
      }
    }
  }

  function renderCascade(data) {
    const box = $("cascade");
    box.replaceChildren();
    const c = data.cascade;
    if (!c) {
      box.append(el("p", { class: "note" }, "No speculative answers in this window."));
      return;
    }
    box.append(el("dl", { class: "cards" },
      card("Acceptance rate", "cascade.acceptance_rate", c.acceptance_rate, "pct", `${c.accepted_tokens} of ${c.proposed_tokens} drafted tokens`),
      card("Tokens per verification", "cascade.tokens_per_verification", c.tokens_per_verification, "x", `${c.verify_calls} calls to the large model`)));
  }

  function renderRecent(data) {
    const rows = [];
    const answers = data.tenants.filter((t) => !state.tenant || t.tenant === state.tenant)
      .flatMap((t) => t.recent.map((a) => Object.assign({ tenant: t.tenant }, a)))
      .sort((a, b) => (a.at < b.at ? 1 : -1)).slice(0, 15);
    for (const a of answers) {
      const p = `answer.${a.id}.`;
      rows.push([
        el("th", { scope: "row" }, new Date(a.at).toISOString().replace("T", " ").slice(0, 19)),
        el("td", { class: "text" }, a.tenant),
        el("td", { class: "text" }, a.model),
        el("td", { class: "text" }, a.tier),
        fig("td", p + "energy_joules", a.energy_joules, "j"),
        fig("td", p + "carbon_gco2e", a.carbon_gco2e, "g"),
        fig("td", p + "saving_joules", a.saving_joules, "j"),
        el("td", { class: "text" }, a.baseline_method),
        el("td", { class: "text" }, a.verdict ? a.verdict.replace("_", " ") + (a.score !== null ? ` (${a.score})` : "") : "not judged"),
        el("td", { class: "text" }, el("code", {}, a.id)),
      ]);
    }
    table("recent", ["Time (UTC)", "Tenant", "Model", "Tier", "Energy", "Carbon", "Saving", "Baseline", "Verdict", "Request id"], rows);
  }

  // Each tenant's batches: totals (carbon charged, run-now counterfactual, saved), then the latest with progress and deadline.
  function renderBatches(data) {
    const tenants = data.tenants.filter((t) => (!state.tenant || t.tenant === state.tenant) && t.batches && t.batches.batches > 0);
    table("batch-totals", ["Tenant", "Batches", "Running", "Requests done", "Carbon", "Run-now counterfactual", "Saved"], tenants.map((t) => {
      const b = t.batches;
      const p = `batches.${t.tenant}.`;
      return [
        el("th", { scope: "row" }, t.tenant),
        fig("td", p + "batches", b.batches, "n"),
        fig("td", p + "active", b.active, "n"),
        el("td", { class: "text" }, `${b.request_counts.completed + b.request_counts.failed} of ${b.request_counts.total} (${b.request_counts.failed} failed)`),
        fig("td", p + "carbon_gco2e", b.carbon_gco2e, "g"),
        fig("td", p + "counterfactual_gco2e", b.counterfactual_gco2e, "g"),
        fig("td", p + "saved_gco2e", b.saved_gco2e, "g"),
      ];
    }), "Per tenant");
    const rows = [];
    for (const t of tenants) {
      for (const b of t.batches.latest) {
        const p = `batch.${b.id}.`;
        const c = b.request_counts;
        const done = c.total > 0 ? (c.completed + c.failed) / c.total : 1;
        rows.push([
          el("th", { scope: "row" }, el("code", {}, b.id)),
          el("td", { class: "text" }, t.tenant),
          el("td", { class: "text", "data-metric": p + "status", "data-value": b.status }, b.status),
          el("td", { class: "text" },
            el("meter", { min: "0", max: "1", value: String(done), "aria-label": `${b.id} progress` }),
            el("span", { "data-metric": p + "done", "data-value": String(c.completed + c.failed) }, ` ${c.completed + c.failed} of ${c.total}`),
            c.failed > 0 ? ` (${c.failed} failed)` : ""),
          el("td", { class: "text", "data-metric": p + "expires_at", "data-value": String(b.expires_at) }, new Date(b.expires_at * 1000).toISOString().replace("T", " ").slice(0, 16)),
          fig("td", p + "carbon_gco2e", b.carbon_gco2e, "g"),
          fig("td", p + "counterfactual_gco2e", b.counterfactual_gco2e, "g"),
          fig("td", p + "saved_gco2e", b.saved_gco2e, "g"),
          b.hold ? fig("td", p + "hold_carbon_gco2e", b.hold.carbon_gco2e, "g") : el("td", { class: "text" }, "–"),
        ]);
      }
    }
    table("batches", ["Batch", "Tenant", "Status", "Progress", "Deadline (UTC)", "Carbon", "Run-now counterfactual", "Saved", "Budget held"], rows, "Latest batches");
  }

  function renderTenantPicker(data) {
    const select = $("tenant");
    const label = select.closest("label");
    if (!data.viewer.admin) {
      label.hidden = true;
      return;
    }
    const wanted = ["", ...data.tenants.map((t) => t.tenant)];
    const have = Array.from(select.options).map((o) => o.value);
    if (wanted.join("\n") !== have.join("\n")) {
      select.replaceChildren(...wanted.map((t) => el("option", { value: t }, t || "All tenants")));
      select.value = state.tenant;
    }
  }

  async function chart(id, metric, title) {
    const q = new URLSearchParams({ window: state.window, metric, by: "tier" });
    if (state.tenant) q.set("tenant", state.tenant);
    const response = await fetch(`/admin/v1/charts?${q}`, { credentials: "same-origin" });
    if (!response.ok) return;
    const box = $(id);
    // The SVG is the gateway's own, its text escaped on the server.
    box.innerHTML = await response.text();
    box.append(el("figcaption", { class: "sub" }, title));
  }

  async function refresh() {
    clearTimeout(state.timer);
    try {
      const response = await fetch(`/admin/v1/overview?window=${state.window}`, { credentials: "same-origin" });
      if (response.status === 401) {
        location.assign("/dashboard");
        return;
      }
      if (!response.ok) throw new Error(`the admin API answered ${response.status}`);
      const data = await response.json();
      state.refresh = data.refresh_seconds || 5;
      $("viewer").textContent = data.viewer.admin ? `Signed in as admin ${data.viewer.name}` : `Signed in as tenant ${data.viewer.name}`;
      renderTenantPicker(data);
      const scope = state.tenant ? `tenant ${state.tenant}` : data.viewer.admin ? "all tenants" : `tenant ${data.viewer.name}`;
      renderCards(summaryOf(data), `${scope}, last ${data.window}`);
      renderTenants(data);
      renderBudgets(data);
      renderBatches(data);
      renderModels(data);
      renderGrid(data);
      renderCascade(data);
      renderRecent(data);
      await Promise.all([
        chart("chart-tiers", "requests", "Answers by tier (tier mix)"),
        chart("chart-energy", "joules", "Energy by tier"),
      ]);
      document.body.dataset.loaded = data.at;
      $("status").textContent = `Updated ${new Date(data.at).toISOString().slice(11, 19)} UTC; refreshes every ${state.refresh} s.`;
    } catch (e) {
      $("status").textContent = `Could not refresh: ${e.message}. Retrying.`;
    }
    state.timer = setTimeout(refresh, state.refresh * 1000);
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const button of document.querySelectorAll("[data-window]")) {
      button.addEventListener("click", () => {
        state.window = button.dataset.window;
        for (const b of document.querySelectorAll("[data-window]")) b.setAttribute("aria-pressed", String(b === button));
        refresh();
      });
    }
    $("tenant").addEventListener("change", (e) => {
      state.tenant = e.target.value;
      refresh();
    });
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) refresh();
    });
    refresh();
  });
})();
