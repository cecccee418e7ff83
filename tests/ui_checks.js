// The accessibility smoke check run in every main page: labels, headings, language, contrast (WCAG AA).
() => {
  const problems = [];
  for (const field of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
    const labelled = (field.id && document.querySelector(`label[for="${field.id}"]`)) || field.getAttribute('aria-label')
      || field.closest('label');
    if (!labelled) problems.push(`unlabelled ${field.outerHTML.slice(0, 80)}`);
  }
  const headings = [...document.querySelectorAll('h1, h2, h3, h4')].map(h => Number(h.tagName[1]));
  if (headings.filter(level => level === 1).length !== 1) problems.push('not exactly one h1');
  headings.forEach((level, i) => { if (i && level > headings[i - 1] + 1) problems.push(`heading jumps to h${level}`); });
  if (!document.documentElement.lang) problems.push('no lang attribute');
  const rgb = text => (text.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = element => {
    for (let e = element; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  for (const element of document.querySelectorAll('body *')) {
    const own = [...element.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !element.getClientRects().length || element.closest('svg')) continue;
    const style = getComputedStyle(element);
    if (style.visibility === 'hidden') continue;
    const [l1, l2] = [lum(rgb(style.color).slice(0, 3)), lum(background(element))].sort((a, b) => b - a);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    if (ratio < 4.5) problems.push(`contrast ${ratio.toFixed(2)} for "${element.textContent.trim().slice(0, 30)}"`);
  }
  return problems;
}
