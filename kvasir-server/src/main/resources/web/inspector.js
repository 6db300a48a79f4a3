// The KV-cache inspector: what one or two compression methods keep of a prompt, from POST /v1/kv/inspect.
import {describeBytes, methodPicker, postJson} from './api.js';

/** Per method: how many (layer, KV head) caches kept each position, and where merged positions went. */
function analyse(result, method) {
  const t = result.prompt_tokens;
  const keptCount = new Uint16Array(t);
  // kept[l][h] = [start0, length0, start1, length1, ...]: runs of kept positions
  const keptSets = method.kept.map(layer => layer.map(runs => {
    const set = new Uint8Array(t);
    for (let i = 0; i < runs.length; i += 2) {
      for (let p = runs[i]; p < runs[i] + runs[i + 1]; p++) {
        set[p] = 1;
        keptCount[p]++;
      }
    }
    return set;
  }));
  const mergedInto = new Map(); // position -> [{layer, kv_head, slot}]
  const absorbedBy = new Map(); // slot position -> number of (layer, head, absorbed) pairs
  for (const g of method.merges) {
    for (const p of g.absorbed) {
      if (!mergedInto.has(p)) mergedInto.set(p, []);
      mergedInto.get(p).push({layer: g.layer, kvHead: g.kv_head, slot: g.slot});
    }
    absorbedBy.set(g.slot, (absorbedBy.get(g.slot) ?? 0) + g.absorbed.length);
  }
  return {keptCount, keptSets, mergedInto, absorbedBy, caches: result.layers * result.kv_heads};
}

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function visible(text) {
  return text.replace(/\n/g, '↵\n');
}

function tokenView(result, a, column) {
  const box = el('div', 'tokens');
  box.tabIndex = 0;
  box.setAttribute('role', 'listbox');
  box.setAttribute('aria-label', 'Prompt tokens shaded by the share of caches that kept them; arrow keys move');
  result.tokens.forEach((tok, i) => {
    const s = el('span', 'tok', visible(tok.text));
    const share = a.keptCount[i] / a.caches;
    s.dataset.pos = i;
    s.dataset.kept = a.keptCount[i];
    s.style.setProperty('--share', share.toFixed(3));
    if (a.mergedInto.has(i)) s.classList.add('merged');
    if (a.absorbedBy.has(i)) s.classList.add('slot');
    box.append(s);
  });
  let current = -1;
  function focus(i, scroll) {
    if (i < 0 || i >= result.tokens.length) return;
    box.querySelector('.tok.current')?.classList.remove('current');
    const s = box.children[i];
    s.classList.add('current');
    current = i;
    if (scroll) s.scrollIntoView({block: 'nearest'});
    column.details.replaceChildren(details(result, a, i, j => focus(j, true)));
  }
  box.addEventListener('mouseover', e => {
    if (e.target.classList.contains('tok')) focus(Number(e.target.dataset.pos), false);
  });
  box.addEventListener('click', e => {
    if (e.target.classList.contains('tok')) focus(Number(e.target.dataset.pos), false);
  });
  box.addEventListener('keydown', e => {
    const step = {ArrowRight: 1, ArrowLeft: -1, ArrowDown: 20, ArrowUp: -20}[e.key];
    if (step === undefined) return;
    e.preventDefault();
    focus(Math.max(0, Math.min(result.tokens.length - 1, (current < 0 ? 0 : current + step))), true);
  });
  return box;
}

/** One token's fate in every (layer, KV head): kept, merged (into which slot) or dropped. */
function details(result, a, i, goTo) {
  const d = el('div', 'token-details');
  const tok = result.tokens[i];
  d.append(el('p', 'headline', `Token ${i} “${tok.text}” (id ${tok.id}): kept by ${a.keptCount[i]} of ${a.caches} layer × head caches`));
  const grid = el('div', 'fate-grid');
  grid.style.gridTemplateColumns = `auto repeat(${result.kv_heads}, 1.6em)`;
  grid.append(el('span', 'axis', ''));
  for (let h = 0; h < result.kv_heads; h++) grid.append(el('span', 'axis', 'h' + h));
  const merges = a.mergedInto.get(i) ?? [];
  for (let l = 0; l < result.layers; l++) {
    grid.append(el('span', 'axis', 'L' + l));
    for (let h = 0; h < result.kv_heads; h++) {
      const m = merges.find(x => x.layer === l && x.kvHead === h);
      const kept = a.keptSets[l][h][i] === 1;
      const cell = el('span', 'fate ' + (kept ? 'kept' : m ? 'merged' : 'dropped'));
      cell.title = `layer ${l}, KV head ${h}: ` + (kept ? 'kept' : m ? `merged into the slot at token ${m.slot}` : 'dropped');
      grid.append(cell);
    }
  }
  d.append(grid);
  if (merges.length > 0) {
    const slots = [...new Set(merges.map(m => m.slot))].sort((x, y) => x - y);
    const p = el('p', 'links', 'Merged into: ');
    for (const s of slots) {
      const where = merges.filter(m => m.slot === s).map(m => `L${m.layer}h${m.kvHead}`).join(' ');
      const b = el('button', 'slot-link', `token ${s} “${result.tokens[s].text}” (${where})`);
      b.type = 'button';
      b.addEventListener('click', () => goTo(s));
      p.append(b);
    }
    d.append(p);
  }
  if (a.absorbedBy.has(i)) d.append(el('p', 'links', `This slot absorbed ${a.absorbedBy.get(i)} token copies across layers and heads.`));
  return d;
}

function heatmap(result, method) {
  const wrap = el('div', 'heatmap');
  wrap.setAttribute('role', 'img');
  wrap.setAttribute('aria-label', 'Fraction of the prompt kept per layer (rows) and KV head (columns)');
  wrap.style.gridTemplateColumns = `auto repeat(${result.kv_heads}, minmax(1.2em, 2em))`;
  wrap.append(el('span', 'axis', ''));
  for (let h = 0; h < result.kv_heads; h++) wrap.append(el('span', 'axis', 'h' + h));
  method.kept_per_head.forEach((heads, l) => {
    wrap.append(el('span', 'axis', 'L' + l));
    heads.forEach((k, h) => {
      const f = k / result.prompt_tokens;
      const c = el('span', 'cell');
      c.style.setProperty('--share', f.toFixed(3));
      c.title = `layer ${l}, KV head ${h}: ${k} of ${result.prompt_tokens} kept (${(100 * f).toFixed(1)} %)`;
      wrap.append(c);
    });
  });
  return wrap;
}

function layerBars(result, method) {
  const wrap = el('div', 'bars');
  const full = result.prompt_tokens * result.kv_heads;
  method.kept_per_layer.forEach((k, l) => {
    const row = el('div', 'bar-row');
    row.append(el('span', 'axis', 'L' + l));
    const bar = el('span', 'bar');
    const fill = el('span', 'fill');
    fill.style.width = (100 * k / full).toFixed(1) + '%';
    bar.append(fill);
    bar.title = `layer ${l}: ${k} of ${full} slots (${(100 * k / full).toFixed(1)} %)`;
    row.append(bar, el('span', 'figure', (100 * k / full).toFixed(0) + '%'));
    wrap.append(row);
  });
  return wrap;
}

function methodColumn(result, method, index) {
  const col = el('article', 'method');
  col.dataset.method = method.method;
  col.dataset.index = index;
  // the label names what ran: the method and every option departing from the paper's defaults
  const heading = el('h3', null, `${method.label} @ ${method.budget}`);
  heading.title = 'all options below';
  col.append(heading);
  const opts = Object.entries(method.options).map(([k, v]) => `${k}=${v}`).join(', ');
  if (opts) col.append(el('p', 'options', opts));
  const saved = method.bytes_before - method.bytes_after;
  col.append(el('p', 'summary', `kept ${(100 * method.achieved_fraction).toFixed(1)} % of the prompt's KV ` +
    `(asked ${(100 * method.requested_fraction).toFixed(1)} %): ${describeBytes(method.bytes_after)} of ` +
    `${describeBytes(method.bytes_before)}, ${describeBytes(saved)} freed; ${method.merges.length} merged sets`));
  if (method.skipped) col.append(el('p', 'note', `not compressed: ${method.skipped}`));
  else if (method.budget_note) col.append(el('p', 'note', method.budget_note));
  if (method.answer) {
    const ans = el('blockquote', 'answer', method.answer.text || '(empty answer)');
    ans.title = `${method.answer.completion_tokens} tokens, finish: ${method.answer.finish_reason}`;
    col.append(el('h4', null, 'Answer'), ans);
  }
  const a = analyse(result, method);
  const column = {details: el('div', 'details-slot')};
  col.append(el('h4', null, 'Prompt, shaded by the share of caches that kept each token'), tokenView(result, a, column), column.details);
  column.details.append(el('p', 'hint', 'Hover or click a token (or focus the text and use the arrow keys) for its fate per layer and head.'));
  const charts = el('div', 'charts');
  const hm = el('figure');
  hm.append(heatmap(result, method), el('figcaption', null, 'Fraction kept, layer × KV head'));
  const bars = el('figure');
  bars.append(layerBars(result, method), el('figcaption', null, 'Budget per layer'));
  charts.append(hm, bars);
  col.append(charts);
  return col;
}

export function setUpInspector(methods, contextLength) {
  const pickA = methodPicker(document.getElementById('method-a'), methods, {method: 'snapkv', budget: 0.25}, false);
  const pickB = methodPicker(document.getElementById('method-b'), methods, {method: 'kvmerger', budget: 0.25}, true);
  const status = document.getElementById('inspect-status');
  const out = document.getElementById('inspect-results');
  const prompt = document.getElementById('inspect-prompt');
  document.getElementById('inspect-file').addEventListener('change', async e => {
    const f = e.target.files[0];
    if (f) prompt.value = await f.text();
  });
  document.getElementById('inspect-form').addEventListener('submit', async e => {
    e.preventDefault();
    const chosen = [pickA.value(), pickB.value()].filter(Boolean);
    const body = {prompt: prompt.value, methods: chosen, max_tokens: Number(document.getElementById('inspect-max-tokens').value), temperature: 0};
    const run = document.getElementById('inspect-run');
    run.disabled = true;
    status.textContent = 'Prefilling and compressing…';
    out.dataset.state = 'running';
    try {
      const result = await postJson('/v1/kv/inspect', body);
      out.replaceChildren(...result.methods.map((m, i) => methodColumn(result, m, i)));
      status.textContent = `${result.prompt_tokens} tokens (window ${contextLength}), ${result.layers} layers × ${result.kv_heads} KV heads; ` +
        `full cache ${describeBytes(result.bytes_full)}`;
      out.dataset.state = 'done';
    } catch (err) {
      status.textContent = err.message;
      out.dataset.state = 'error';
    } finally {
      run.disabled = false;
    }
  });
}
