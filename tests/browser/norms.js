// One pass over the page: the worst figures of the 长辈版 / WCAG norms (tests/browser/test_norms.py).
(tap) => {
  const r = {font: [1e9, ''], lh: [1e9, ''], target: [1e9, ''], contrast: [1e9, ''], overflow: 0,
             unstyled: [], smallTargets: [], lowContrast: [], smallText: []};
  const name = (el) => {
    const cls = typeof el.className === 'string' && el.className.trim()
      ? '.' + el.className.trim().split(/\s+/).slice(0, 2).join('.') : '';
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim()
      .replace(/\s+/g, ' ').slice(0, 24);
    return `${el.tagName.toLowerCase()}${cls} "${text}"`;
  };
  const shown = (el) => {
    const b = el.getBoundingClientRect();
    if (b.width < 2 || b.height < 2) return false;
    const s = getComputedStyle(el);
    return s.visibility !== 'hidden' && s.display !== 'none' && parseFloat(s.opacity) > 0.05;
  };
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom) => {   // top composited over opaque bottom
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat(1);
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.backgroundImage && s.backgroundImage !== 'none' && !s.backgroundImage.startsWith('url')) return null;
      const c = parse(s.backgroundColor);
      if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let bg = [255, 255, 255, 1];
    for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
    return bg;
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };

  // Text: every element holding visible text of its own.
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    const el = node.parentElement;
    if (!el || seen.has(el)) continue;
    seen.add(el);
    if (el.closest('script, style, noscript, svg, .sr-only, [aria-hidden="true"], template')) continue;
    if (!shown(el)) continue;
    const s = getComputedStyle(el);
    const fs = parseFloat(s.fontSize);
    const lh = s.lineHeight === 'normal' ? 1.2 : parseFloat(s.lineHeight) / fs;
    if (fs < r.font[0]) r.font = [fs, name(el)];
    if (lh < r.lh[0]) r.lh = [Math.round(lh * 100) / 100, name(el)];
    if (fs < 18) r.smallText.push(`${name(el)} ${fs}px`);
    const bg = background(el);
    if (bg) {
      let fg = parse(s.color);
      fg = over(fg, bg);
      const c = Math.round(ratio(fg, bg) * 100) / 100;
      if (c < r.contrast[0]) r.contrast = [c, name(el)];
      r.lowContrast.push([c, name(el)]);
    }
  }
  r.lowContrast = r.lowContrast.sort((a, b) => a[0] - b[0]).slice(0, 5);
  r.smallText = r.smallText.slice(0, 5);

  // Targets: what people tap. Inline links inside running text are exempt (not selected).
  const targets = new Set();
  const sel = 'button, input:not([type=hidden]), select, textarea, summary, a.btn, [role=button],'
    + ' .list__link, .list__row a, .tabbar__item, .tabs__item, .weui-cell_access, .weui-tabbar__item,'
    + ' label';
  for (const el of document.querySelectorAll(sel)) {
    if (el.closest('.sr-only, [aria-hidden="true"]')) continue;
    let t = el;
    if (el.matches('input, select, textarea')) {
      const label = el.closest('label') || (el.id && document.querySelector(`label[for="${el.id}"]`));
      if (label && shown(label)) t = label.contains(el) ? label : null;   // the label is the target
      if (t === null) t = el;
    }
    if (el.matches('label') && !el.querySelector('input, select, textarea')) continue;  // caption
    if (!shown(t) || targets.has(t)) continue;
    targets.add(t);
    const b = t.getBoundingClientRect();
    const size = Math.min(b.height, b.width);
    if (size < r.target[0]) r.target = [Math.round(size * 10) / 10, name(t)];
    if (size < tap - 0.5) r.smallTargets.push(`${name(t)} ${Math.round(b.width)}×${Math.round(b.height)}`);
  }
  r.smallTargets = r.smallTargets.slice(0, 6);

  // Browser-default controls.
  for (const el of document.querySelectorAll('input')) {
    const type = el.type;
    const s = getComputedStyle(el);
    if ((type === 'checkbox' || type === 'radio') && shown(el) && s.appearance !== 'none')
      r.unstyled.push(`${type} ${el.name}`);
    if (type === 'file' && shown(el)) r.unstyled.push(`file ${el.name}`);
    if (['date', 'time', 'datetime-local', 'month', 'week'].includes(type) && shown(el)) {
      const label = el.closest('label') || (el.id && document.querySelector(`label[for="${el.id}"]`));
      if (!label) r.unstyled.push(`${type} ${el.name} (no label)`);
    }
  }
  r.overflow = document.documentElement.scrollWidth - document.documentElement.clientWidth;
  if (r.target[0] === 1e9) r.target = [null, ''];
  return r;
}
