// Cellar viewer: a hash-routed single page over the JSON API. No library, no CDN.
// Data from the server is only ever put into the page as text (textContent / attributes).
'use strict';

const TOKEN = new URLSearchParams(location.search).get('token');
const SVG = 'http://www.w3.org/2000/svg';

function apiURL(path, params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== null && v !== undefined && v !== '') u.set(k, v);
  if (TOKEN) u.set('token', TOKEN);
  const q = u.toString();
  return path + (q ? '?' + q : '');
}

async function getJSON(path, params) {
  const r = await fetch(apiURL(path, params), { cache: 'no-store' });
  let body = null;
  try { body = await r.json(); } catch (e) { /* not JSON */ }
  if (!r.ok) {
    const err = new Error(body && body.error ? body.error.message : r.status + ' ' + r.statusText);
    err.status = r.status;
    throw err;
  }
  return body;
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

function svg(tag, attrs, ...children) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) e.setAttribute(k, v);
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

function fmt(v) {
  if (v === null || v === undefined) return '–';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(2);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  if (a >= 100) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toFixed(3);
}

const hashPart = s => encodeURIComponent(s);
const link = (text, hash) => el('a', { href: '#' + hash }, text);

function crumbs(...parts) {
  const nav = document.getElementById('crumbs');
  nav.replaceChildren();
  parts.forEach((p, i) => {
    if (i) nav.append(el('span', { class: 'sep' }, '›'));
    nav.append(p.hash ? link(p.text, p.hash) : el('span', {}, p.text));
  });
}

function showError(main, e) {
  main.replaceChildren(el('p', { class: 'error', id: 'error' }, e.message));
}

const tooltip = document.getElementById('tooltip');
function showTip(ev, text) {
  tooltip.textContent = text;
  tooltip.hidden = false;
  tooltip.style.left = (ev.clientX + 14) + 'px';
  tooltip.style.top = (ev.clientY + 14) + 'px';
}
function hideTip() { tooltip.hidden = true; }

// ---------------------------------------------------------------- live updates
// Polls a cheap change counter every second; the current page re-reads its data on a change.
let current = { refresh: null };
let lastVersion = null;
async function poll() {
  const live = document.getElementById('live');
  try {
    const c = await getJSON('/api/changes');
    live.className = 'on';
    live.textContent = 'live';
    if (lastVersion !== null && c.version !== lastVersion && current.refresh) {
      try { await current.refresh(); } catch (e) { /* shown by the page */ }
    }
    lastVersion = c.version;
  } catch (e) {
    live.className = 'off';
    live.textContent = 'offline: ' + e.message;
  }
  setTimeout(poll, 1000);
}

// ---------------------------------------------------------------- routing
function route() {
  hideTip();
  current = { refresh: null };
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const main = document.getElementById('main');
  const page = parts[0] || '';
  try {
    if (page === '' ) return screenPage(main);
    if (page === 'plate' && parts.length >= 2) return platePage(main, parts[1]);
    if (page === 'well' && parts.length >= 3) return wellPage(main, parts[1], parts[2]);
    if (page === 'field' && parts.length >= 4) return fieldPage(main, parts[1], parts[2], parts[3], parts[4]);
    main.replaceChildren(el('p', { class: 'error' }, 'No such page: ' + location.hash));
  } catch (e) { showError(main, e); }
}
window.addEventListener('hashchange', route);

// ---------------------------------------------------------------- screen
async function screenPage(main) {
  crumbs({ text: 'Screen' });
  const draw = async () => {
    let s;
    try { s = await getJSON('/api/screen'); } catch (e) { return showError(main, e); }
    const rows = s.plates.map(p => el('tr', { 'data-plate': p.name },
      el('td', {}, link(p.name, '/plate/' + hashPart(p.name))),
      el('td', { class: 'num' }, fmt(p.wells)),
      el('td', { class: 'num done' }, fmt(p.fieldsDone)),
      el('td', { class: 'num failed' }, fmt(p.fieldsFailed)),
      el('td', { class: 'num cells' }, fmt(p.cells)),
      el('td', { class: 'muted' }, p.database)));
    const dbs = s.databases.map(d => {
      const r = d.run;
      let text = d.writerPID ? `writing (pid ${d.writerPID})` : 'no writer';
      if (r && !r.finished && d.writerPID) text += ` · ${fmt(r.fieldsPending)} fields pending · ${fmt(r.fieldsDone)} done · ${r.fieldsPerSecond ? fmt(r.fieldsPerSecond) : '–'} fields/s`;
      else if (r) text += ` · last run ${r.finished ? 'finished' : 'stopped'}: ${fmt(r.fieldsDone)} done, ${fmt(r.fieldsFailed)} failed`;
      return el('li', {}, el('code', {}, d.path), ' — ', text);
    });
    main.replaceChildren(
      el('h1', {}, 'Screen'),
      s.plates.length ? el('table', { id: 'plates' },
        el('thead', {}, el('tr', {}, el('th', {}, 'Plate'), el('th', { class: 'num' }, 'Wells'),
          el('th', { class: 'num' }, 'Fields done'), el('th', { class: 'num' }, 'Failed'), el('th', { class: 'num' }, 'Cells'),
          el('th', {}, 'Database'))),
        el('tbody', {}, rows)) : el('p', { class: 'muted', id: 'noplates' }, 'No plates yet — this page fills in as fields are stored.'),
      el('h2', {}, 'Databases'), el('ul', {}, dbs));
  };
  current.refresh = draw;
  await draw();
}

// ---------------------------------------------------------------- plate
async function platePage(main, plate) {
  crumbs({ text: 'Screen', hash: '/' }, { text: plate });
  const state = { value: 'cells', stat: 'median', z: false };
  let meta = null;
  const title = el('h1', {}, 'Plate ' + plate);
  const valueSelect = el('select', { id: 'value' });
  const statSelect = el('select', { id: 'stat' }, el('option', { value: 'median' }, 'median'), el('option', { value: 'mean' }, 'mean'));
  const zBox = el('input', { type: 'checkbox', id: 'zscore' });
  const label = el('div', { id: 'heatlabel', class: 'muted' });
  const plateBox = el('div', { id: 'platemap' });
  const histBox = el('div', { id: 'histogram' });
  const summary = el('p', { id: 'platesummary', class: 'muted' });
  main.replaceChildren(title,
    el('div', { class: 'controls' },
      el('label', {}, 'Value', valueSelect), el('label', {}, 'Statistic', statSelect),
      el('label', {}, zBox, 'robust z-score (per plate)')),
    summary, label, el('div', { class: 'platebox' }, plateBox, histBox));
  let hovered = null;
  let data = null;

  async function loadMeta() {
    meta = await getJSON('/api/plate', { plate });
    const keep = valueSelect.value || state.value;
    valueSelect.replaceChildren(el('option', { value: 'cells' }, 'cells per well'),
      ...meta.features.filter(f => !/_Number_Object_Number$/.test(f)).map(f => el('option', { value: f }, f)));
    valueSelect.value = keep;
    summary.textContent = `${fmt(meta.wellsWithFields)} wells with fields · ${fmt(meta.fieldsDone)} fields done · ` +
      `${fmt(meta.fieldsFailed)} failed · ${fmt(meta.cells)} cells`;
  }

  async function draw() {
    try {
      if (!meta) await loadMeta();
      label.textContent = 'loading…';
      const t0 = performance.now();
      data = await getJSON('/api/heatmap', { plate, value: state.value, stat: state.stat, z: state.z ? 1 : null });
      const ms = Math.round(performance.now() - t0);
      label.textContent = `${data.label} · ${ms} ms`;
      drawPlate();
      drawHistogram();
      statSelect.disabled = state.value === 'cells';
    } catch (e) {
      if (e.status === 404 && !meta) {
        main.replaceChildren(title, el('p', { class: 'muted', id: 'waiting' }, e.message + ' — waiting for it to appear (live).'));
        current.refresh = async () => { meta = null; await platePage(main, plate); };
        return;
      }
      label.textContent = '';
      plateBox.replaceChildren(el('p', { class: 'error', id: 'error' }, e.message));
    }
  }

  function drawPlate() {
    const cell = data.columns <= 12 ? 44 : data.columns <= 24 ? 28 : 14;
    const left = 30, top = 24, gw = data.columns * cell, gh = data.rows * cell;
    const barX = left + gw + 28, W = barX + 90, H = top + gh + 34;
    const s = svg('svg', { class: 'plate', id: 'platesvg', width: W, height: H, viewBox: `0 0 ${W} ${H}` });
    const defs = svg('defs', {});
    defs.append(svg('pattern', { id: 'hatch', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
      svg('rect', { width: 6, height: 6, fill: '#e6e6e6' }), svg('line', { x1: 0, y1: 0, x2: 0, y2: 6, stroke: '#aaa', 'stroke-width': 2 })));
    defs.append(svg('pattern', { id: 'hatchfail', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
      svg('rect', { width: 6, height: 6, fill: '#f3d9d3' }), svg('line', { x1: 0, y1: 0, x2: 0, y2: 6, stroke: '#d6604d', 'stroke-width': 2 })));
    const grad = svg('linearGradient', { id: 'bar', x1: 0, y1: 1, x2: 0, y2: 0 });
    const scale = viridisScale();
    scale.forEach((c, i) => grad.append(svg('stop', { offset: (i / (scale.length - 1)).toFixed(3), 'stop-color': c })));
    defs.append(grad);
    s.append(defs);
    s.append(svg('rect', { x: left - 4, y: top - 4, width: gw + 8, height: gh + 8, fill: '#f6f6f6', stroke: '#ccc' }));
    for (let c = 1; c <= data.columns; c++) s.append(svg('text', { x: left + (c - 0.5) * cell, y: top - 8, 'text-anchor': 'middle' }, String(c)));
    for (let r = 1; r <= data.rows; r++) s.append(svg('text', { x: left - 10, y: top + (r - 0.5) * cell + 4, 'text-anchor': 'end' }, rowLabel(r)));
    const byPos = new Map(data.wells.map(w => [w.row + ':' + w.column, w]));
    for (let r = 1; r <= data.rows; r++) for (let c = 1; c <= data.columns; c++) {
      const w = byPos.get(r + ':' + c);
      const name = w ? w.well : rowLabel(r) + String(c).padStart(2, '0');
      const allFailed = w && w.fieldsDone === 0 && w.fieldsFailed > 0;
      const fill = w && w.colour ? w.colour : allFailed ? 'url(#hatchfail)' : 'url(#hatch)';
      const attrs = { class: 'well', 'data-well': name, 'data-value': w && w.value !== null ? w.value : '', 'data-cells': w ? w.cells : '',
        fill, stroke: w && w.fieldsFailed > 0 ? '#d6604d' : 'none', 'stroke-width': w && w.fieldsFailed > 0 ? 3 : 0 };
      const shape = cell >= 20
        ? svg('circle', { ...attrs, cx: left + (c - 0.5) * cell, cy: top + (r - 0.5) * cell, r: cell / 2 - 2 })
        : svg('rect', { ...attrs, x: left + (c - 1) * cell + 1, y: top + (r - 1) * cell + 1, width: cell - 2, height: cell - 2 });
      shape.addEventListener('mousemove', ev => {
        hovered = name;
        const lines = [name + (w ? '' : ' — no fields')];
        if (w) {
          lines.push(`${data.label}: ${fmt(w.value)}`);
          if (data.zscore) lines.push(`value: ${fmt(w.raw)}`);
          lines.push(`cells: ${fmt(w.cells)}`, `fields: ${w.fieldsDone} done, ${w.fieldsFailed} failed`);
        }
        showTip(ev, lines.join('\n'));
        drawHistogram();
      });
      shape.addEventListener('mouseleave', () => { hideTip(); hovered = null; drawHistogram(); });
      if (w) shape.addEventListener('click', () => { location.hash = '/well/' + hashPart(plate) + '/' + hashPart(name); });
      s.append(shape);
    }
    // Colour bar with low / mid / high.
    s.append(svg('rect', { x: barX, y: top, width: 16, height: gh, fill: 'url(#bar)', stroke: '#888' }));
    [[data.high, top], [(data.low + data.high) / 2, top + gh / 2], [data.low, top + gh]].forEach(([v, y]) => {
      s.append(svg('line', { x1: barX + 16, x2: barX + 20, y1: y, y2: y, stroke: '#444' }));
      s.append(svg('text', { x: barX + 23, y: y + 4, class: 'tick' }, fmt(v)));
    });
    // Legend.
    const ly = top + gh + 14;
    s.append(svg('rect', { x: left, y: ly, width: 12, height: 12, fill: 'url(#hatch)' }));
    s.append(svg('text', { x: left + 16, y: ly + 10 }, 'no data'));
    s.append(svg('rect', { x: left + 80, y: ly, width: 12, height: 12, fill: 'url(#hatchfail)' }));
    s.append(svg('text', { x: left + 96, y: ly + 10 }, 'all fields failed'));
    s.append(svg('circle', { cx: left + 210, cy: ly + 6, r: 6, fill: 'none', stroke: '#d6604d', 'stroke-width': 3 }));
    s.append(svg('text', { x: left + 222, y: ly + 10 }, 'some fields failed'));
    plateBox.replaceChildren(s);
  }

  function viridisScale() { return data.scale || ['#440154', '#fde725']; }

  function drawHistogram() {
    if (!data) return;
    const h = data.histogram, W = 420, H = 220, L = 40, B = 36, T = 10;
    const bins = h.plate.length, bw = (W - L - 10) / bins;
    const s = svg('svg', { id: 'histsvg', width: W, height: H });
    const maxPlate = Math.max(1, ...h.plate);
    h.plate.forEach((n, i) => s.append(svg('rect', { x: L + i * bw, y: T + (H - T - B) * (1 - n / maxPlate), width: Math.max(1, bw - 1),
      height: (H - T - B) * n / maxPlate, fill: '#b8c4d6', class: 'platebar' })));
    const w = hovered && data.wells.find(x => x.well === hovered);
    const wh = hovered && h.wells[hovered];
    if (wh) {
      const maxWell = Math.max(1, ...wh);
      wh.forEach((n, i) => s.append(svg('rect', { x: L + i * bw + bw * 0.2, y: T + (H - T - B) * (1 - n / maxWell), width: Math.max(1, bw * 0.6),
        height: (H - T - B) * n / maxWell, fill: '#e08214', opacity: 0.85, class: 'wellbar' })));
    } else if (w && w.raw !== null && h.unit === 'wells') {
      const x = L + (w.raw - h.edges[0]) / (h.edges[bins] - h.edges[0]) * (W - L - 10);
      s.append(svg('line', { x1: x, x2: x, y1: T, y2: H - B, stroke: '#e08214', 'stroke-width': 2 }));
    }
    s.append(svg('line', { x1: L, x2: W - 10, y1: H - B, y2: H - B, stroke: '#888' }));
    s.append(svg('text', { x: L, y: H - B + 14 }, fmt(h.edges[0])));
    s.append(svg('text', { x: W - 10, y: H - B + 14, 'text-anchor': 'end' }, fmt(h.edges[bins])));
    const what = data.value === 'cells' ? 'cells per well (wells per bin)' : `${data.value} (cells per bin)`;
    s.append(svg('text', { x: L, y: H - 6 }, what + (hovered ? ` · ${hovered} in orange` : ' · hover a well')));
    histBox.replaceChildren(el('div', { class: 'muted' }, 'Distribution on the plate'), s);
  }

  valueSelect.addEventListener('change', () => { state.value = valueSelect.value; draw(); });
  statSelect.addEventListener('change', () => { state.stat = statSelect.value; draw(); });
  zBox.addEventListener('change', () => { state.z = zBox.checked; draw(); });
  current.refresh = async () => { meta = null; await draw(); };
  await draw();
}

function rowLabel(r) {
  let s = '';
  while (r > 0) { s = String.fromCharCode(65 + (r - 1) % 26) + s; r = Math.floor((r - 1) / 26); }
  return s;
}

// ---------------------------------------------------------------- well
async function wellPage(main, plate, well) {
  crumbs({ text: 'Screen', hash: '/' }, { text: plate, hash: '/plate/' + hashPart(plate) }, { text: well });
  let w;
  try { w = await getJSON('/api/well', { plate, well }); } catch (e) { return showError(main, e); }
  const thumbs = el('div', { class: 'thumbs', id: 'thumbs' }, w.fields.map(f => {
    const href = '#/field/' + hashPart(plate) + '/' + hashPart(w.well) + '/' + f.site;
    return el('figure', { 'data-site': f.site },
      el('a', { href, class: 'thumblink' }, el('img', { class: 'thumb', alt: `site ${f.site}`,
        src: apiURL('/api/image.png', { plate, well: w.well, site: f.site, size: 256 }) })),
      el('figcaption', {}, `site ${f.site} · ${f.status === 'done' ? fmt(f.cells) + ' cells' : 'failed'}`,
        f.missing.length ? el('div', { class: 'warning' }, 'source file missing: ' + f.missing.join(', ')) : null));
  }));
  const feature = el('select', { id: 'galleryfeature' }, w.features.filter(f => !/_Number_Object_Number$/.test(f))
    .map(f => el('option', { value: f }, f)));
  feature.value = w.features.includes('Nuclei_AreaShape_Area') ? 'Nuclei_AreaShape_Area' : feature.value;
  const order = el('select', { id: 'galleryorder' }, el('option', { value: 'desc' }, 'largest first'), el('option', { value: 'asc' }, 'smallest first'));
  const gallery = el('div', { class: 'gallery', id: 'gallery' });
  const note = el('p', { class: 'muted' });
  async function drawGallery() {
    try {
      const g = await getJSON('/api/gallery', { plate, well: w.well, feature: feature.value, order: order.value, limit: 60 });
      note.textContent = `${g.cells.length} of ${fmt(g.total)} cells, sorted by ${g.feature}`;
      gallery.replaceChildren(...g.cells.map(c => el('figure', { 'data-object': c.object },
        el('img', { src: apiURL('/api/crop.png', { plate, well: w.well, site: c.site, object: c.object, size: 96 }), alt: `cell ${c.object}`,
          title: `site ${c.site}, object ${c.object}: ${fmt(c.value)}`,
          onclick: () => { location.hash = '/field/' + hashPart(plate) + '/' + hashPart(w.well) + '/' + c.site + '/' + c.object; } }),
        el('figcaption', {}, fmt(c.value)))));
    } catch (e) { gallery.replaceChildren(el('p', { class: 'error' }, e.message)); }
  }
  feature.addEventListener('change', drawGallery);
  order.addEventListener('change', drawGallery);
  main.replaceChildren(el('h1', {}, `Well ${plate} / ${w.well}`), el('h2', {}, 'Fields'), thumbs,
    el('h2', {}, 'Cells'), el('div', { class: 'controls' }, el('label', {}, 'Sort by', feature), order), note, gallery);
  await drawGallery();
}

// ---------------------------------------------------------------- field
async function fieldPage(main, plate, well, site, object) {
  crumbs({ text: 'Screen', hash: '/' }, { text: plate, hash: '/plate/' + hashPart(plate) },
    { text: well, hash: '/well/' + hashPart(plate) + '/' + hashPart(well) }, { text: 'site ' + site });
  let f;
  try { f = await getJSON('/api/field', { plate, well, site }); } catch (e) { return showError(main, e); }
  const names = f.channels.map(c => c.name);
  const ch1 = el('select', { id: 'channel' }, names.map(n => el('option', { value: n }, n)));
  ch1.value = names.includes('DNA') ? 'DNA' : names[0];
  const ch2 = el('select', { id: 'channel2' }, el('option', { value: '' }, '—'), names.map(n => el('option', { value: n }, n)));
  const lo = el('input', { type: 'number', id: 'lo', min: 0, max: 99.9, step: 0.1, value: 0.5, size: 5 });
  const hi = el('input', { type: 'number', id: 'hi', min: 0.1, max: 100, step: 0.1, value: 99.8, size: 5 });
  const outlines = el('input', { type: 'checkbox', id: 'outlines', checked: true });
  const reset = el('button', { id: 'resetview', type: 'button' }, 'fit');
  const img = el('img', { id: 'fieldimg', alt: 'field', draggable: 'false' });
  const viewport = el('div', { id: 'viewport' }, img);
  const panel = el('div', { id: 'cellpanel' }, el('p', { class: 'hint' }, 'Click a cell to see its features. Wheel: zoom, drag: pan.'));
  const missing = f.missing.length
    ? el('p', { class: 'warning', id: 'missing' }, `Source file moved or deleted: ${f.channels.filter(c => !c.exists).map(c => c.name + ' (' + c.file + ')').join(', ')} — the masks are drawn on black.`)
    : null;
  main.replaceChildren(...[el('h1', {}, `Field ${plate} / ${f.well} / site ${f.site}`),
    el('p', { class: 'muted' }, `${f.status} · ${fmt(f.cells)} cells · ${f.width || '?'}×${f.height || '?'} px · ingested ${f.ingestedAt}`),
    missing,
    el('div', { class: 'controls' }, el('label', {}, 'Channel', ch1), el('label', {}, '+ green', ch2),
      el('label', {}, 'contrast %', lo, '–', hi), el('label', {}, outlines, 'outlines'), reset),
    el('div', { class: 'fieldbox' }, viewport, panel)].filter(x => x));

  const width = f.width || 1024, height = f.height || 1024;
  const view = { s: 1, x: 0, y: 0 };
  let selected = object ? Number(object) : null;
  function apply() {
    img.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.s})`;
    viewport.dataset.scale = view.s; viewport.dataset.tx = view.x; viewport.dataset.ty = view.y;
  }
  function fit() {
    const vw = viewport.clientWidth, vh = viewport.clientHeight;
    view.s = Math.min(vw / width, vh / height);
    view.x = (vw - width * view.s) / 2; view.y = (vh - height * view.s) / 2;
    apply();
  }
  function load() {
    img.style.width = width + 'px'; img.style.height = height + 'px';
    img.src = apiURL('/api/image.png', { plate, well: f.well, site: f.site, channel: ch1.value, channel2: ch2.value,
      lo: lo.value, hi: hi.value, outlines: outlines.checked ? 1 : 0, highlight: selected });
  }
  img.addEventListener('load', () => { viewport.dataset.loaded = img.src; });
  [ch1, ch2, lo, hi, outlines].forEach(c => c.addEventListener('change', load));
  reset.addEventListener('click', fit);
  viewport.addEventListener('wheel', ev => {
    ev.preventDefault();
    const r = viewport.getBoundingClientRect(), mx = ev.clientX - r.left, my = ev.clientY - r.top;
    const k = Math.exp(-ev.deltaY * 0.0015), s = Math.min(40, Math.max(0.05, view.s * k));
    view.x = mx - (mx - view.x) * s / view.s; view.y = my - (my - view.y) * s / view.s; view.s = s;
    apply();
  }, { passive: false });
  let drag = null;
  viewport.addEventListener('mousedown', ev => { drag = { x: ev.clientX, y: ev.clientY, vx: view.x, vy: view.y, moved: false }; });
  window.addEventListener('mousemove', ev => {
    if (!drag) return;
    const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
    view.x = drag.vx + dx; view.y = drag.vy + dy; apply();
  });
  window.addEventListener('mouseup', ev => {
    if (!drag) return;
    const wasClick = !drag.moved;
    drag = null;
    if (!wasClick || !viewport.contains(ev.target)) return;
    const r = viewport.getBoundingClientRect();
    const x = Math.floor((ev.clientX - r.left - view.x) / view.s), y = Math.floor((ev.clientY - r.top - view.y) / view.s);
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    showCell({ x, y });
  });
  async function showCell(where) {
    try {
      const c = await getJSON('/api/cell', { plate, well: f.well, site: f.site, ...where });
      selected = c.object;
      load();
      panel.replaceChildren(el('h2', { id: 'cellobject', 'data-object': c.object }, `Object ${c.object}`),
        el('table', { id: 'cellfeatures' }, el('tbody', {}, c.features.map(ft =>
          el('tr', { 'data-feature': ft.name }, el('td', {}, ft.name), el('td', { class: 'num' }, fmt(ft.value)))))));
    } catch (e) {
      panel.replaceChildren(el('p', { class: 'muted', id: 'nocell' }, e.message));
    }
  }
  fit();
  load();
  if (selected) showCell({ object: selected });
}

route();
poll();
