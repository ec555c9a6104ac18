"""Horizontal overflow, measured in the browser: the page scrolling sideways, or a text sticking out of its box.

Used by tests/browser/test_layout_widths_in_the_browser.py. WCAG 1.4.10 (reflow): content must fit 320 CSS px
without sideways scrolling. Browser zoom divides the window's width in CSS px by the zoom factor, so a
1280 px window at 200 % zoom lays the page out exactly like a 640 px wide viewport; that is how zoom is tested.
"""

from __future__ import annotations

from typing import Any

# (label, CSS px width): 320 is the reflow minimum (1280 px at 400 %), 640 is 1280 px at 200 % zoom.
WIDTHS = [("320 px", 320), ("1280 px at 200 % zoom (640 CSS px)", 640), ("1280 px", 1280), ("1920 px", 1920)]

# The page, then every element whose own text is wider than its box while the box lets it show (overflow
# visible). Boxes that scroll or clip on purpose (a table wrapper with overflow-x: auto, the map, the
# visually hidden texts) are skipped, and so is everything inside them.
OVERFLOW_SCRIPT = r"""
() => {
  const problems = [];
  const root = document.scrollingElement;
  if (root.scrollWidth > root.clientWidth + 1) {
    // Name the culprits: the innermost elements reaching past the right edge.
    const past = [...document.body.querySelectorAll('*')].filter(
      el => !el.closest('svg, .leaflet-container') && el.getBoundingClientRect().right > root.clientWidth + 1);
    const innermost = past.filter(el => !past.some(other => other !== el && el.contains(other))).slice(0, 3);
    const names = innermost.map(el => el.tagName.toLowerCase()
      + (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\s+/).join('.') : '')
      + ` (“${(el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 40)}”)`);
    problems.push(`the page scrolls sideways: ${root.scrollWidth} px content in ${root.clientWidth} px, `
                  + `past the edge: ${names.join(', ')}`);
  }
  const clipped = (el) => {
    for (let node = el.parentElement; node && node !== document.body; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.overflowX !== 'visible' || node.classList.contains('leaflet-container')) return true;
    }
    return false;
  };
  const describe = (el) => {
    let name = el.tagName.toLowerCase();
    if (el.id) name += '#' + el.id;
    if (el.classList.length) name += '.' + [...el.classList].join('.');
    return name;
  };
  for (const el of document.body.querySelectorAll('*')) {
    const style = getComputedStyle(el);
    if (style.display === 'inline' || style.display === 'none' || style.overflowX !== 'visible') continue;
    if (['svg', 'canvas', 'img', 'video', 'iframe', 'input', 'select', 'textarea', 'option'].includes(
        el.tagName.toLowerCase()) || el.closest('svg')) continue;
    const ownText = [...el.childNodes].some(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim())
      || [...el.children].some(c => getComputedStyle(c).display === 'inline' && c.textContent.trim());
    if (!ownText || el.clientWidth === 0) continue;
    if (el.scrollWidth > el.clientWidth + 1 && !clipped(el)) {
      const text = el.textContent.trim().replace(/\s+/g, ' ').slice(0, 60);
      problems.push(`${describe(el)} (“${text}”): ${el.scrollWidth} px text in a ${el.clientWidth} px box`);
    }
  }
  return problems;
}
"""


def overflow_problems(page: Any) -> list[str]:
    """What overflows horizontally on the page as it is laid out now."""
    problems: list[str] = page.evaluate(OVERFLOW_SCRIPT)
    return problems


def check_widths(page: Any, height: int = 900) -> list[str]:
    """The page at every width of WIDTHS (resized in place: the layout follows without a reload)."""
    found = []
    for label, width in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        found += [f"at {label}: {problem}" for problem in overflow_problems(page)]
    return found
