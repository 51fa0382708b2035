import type { Page } from 'playwright-core';

/**
 * Every drop-down on the page that a person cannot read whole, one sentence each: narrower than the
 * option it shows (its text clipped), or partly beyond the screen or the box that scrolls sideways
 * around it (a table's): on a phone the part past that edge is not seen. A select's own scrollWidth
 * never exceeds its clientWidth, so the width its shown option needs is measured on a copy holding
 * only that option, free to take its natural width.
 */
export function cutOffSelects(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`(() => {
    const cut = [];
    for (const select of document.querySelectorAll('select')) {
      const box = select.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue;
      const name = (select.labels[0]?.textContent ?? select.name).trim();
      const shown = select.selectedOptions[0]?.text ?? '';
      const probe = select.cloneNode(false);
      probe.removeAttribute('id');
      probe.append(new Option(shown));
      probe.style.cssText = 'position: absolute; visibility: hidden; width: auto; min-width: 0; max-width: none';
      select.parentElement.append(probe);
      const needed = probe.getBoundingClientRect().width;
      probe.remove();
      if (box.width + 0.5 < needed) cut.push(name + ': ' + Math.round(box.width) + ' px wide, its "' + shown + '" needs ' + Math.round(needed) + ' px');
      let left = 0;
      let right = document.documentElement.clientWidth;
      for (let el = select.parentElement; el; el = el.parentElement) {
        if (getComputedStyle(el).overflowX === 'visible') continue;
        const edge = el.getBoundingClientRect().left + el.clientLeft;
        left = Math.max(left, edge);
        right = Math.min(right, edge + el.clientWidth);
      }
      if (box.left < left - 0.5 || box.right > right + 0.5) {
        cut.push(name + ': at ' + Math.round(box.left) + '-' + Math.round(box.right) + ' px, where only ' + Math.round(left) + '-' + Math.round(right) + ' px are in view');
      }
    }
    return cut;
  })()`);
}
