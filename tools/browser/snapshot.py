"""The observation's page part: a compact, numbered list of the visible elements an agent can act on.

A script in the page numbers every visible element that is interactive (links, buttons, inputs,
selects, text areas, ARIA roles, elements with click handlers — jQuery's included) or that is a leaf
carrying text inside the task area (MiniWoB++ attaches many handlers to plain spans and divs), and
marks each with `data-sa-id` so an action can find it again. Ids are stable within one page state.
"""
from __future__ import annotations

from typing import Any

MAX_ELEMENTS = 60
MAX_TEXT = 60

SNAPSHOT_JS = r"""
const root = document.querySelector(arguments[0]) || document.body;
const limit = arguments[1], maxText = arguments[2];
document.querySelectorAll('[data-sa-id]').forEach(e => e.removeAttribute('data-sa-id'));
const interactive = new Set(['A', 'BUTTON', 'INPUT', 'SELECT', 'TEXTAREA', 'OPTION', 'LABEL', 'SUMMARY']);
const roles = new Set(['button', 'link', 'checkbox', 'radio', 'tab', 'menuitem', 'option', 'textbox',
                       'combobox', 'listitem', 'treeitem', 'slider', 'spinbutton']);
function visible(e) {
  const r = e.getBoundingClientRect();
  if (r.width < 1 || r.height < 1) return false;
  const s = getComputedStyle(e);
  return s.visibility !== 'hidden' && s.display !== 'none' && parseFloat(s.opacity || '1') > 0;
}
function handlers(e) {
  if (e.onclick || e.getAttribute('onclick')) return true;
  try { const ev = window.jQuery && jQuery._data(e, 'events'); return !!(ev && (ev.click || ev.mousedown || ev.mouseup)); }
  catch (x) { return false; }
}
function ownText(e) {
  let t = '';
  for (const n of e.childNodes) if (n.nodeType === 3) t += n.textContent;
  return t.replace(/\s+/g, ' ').trim();
}
const out = [];
for (const e of root.querySelectorAll('*')) {
  if (out.length >= limit) break;
  const tag = e.tagName;
  if (tag === 'SCRIPT' || tag === 'STYLE' || tag === 'OPTION' || e.closest('#reward-display, #sync-task-cover, #query, #episode-id')) continue;
  const role = (e.getAttribute('role') || '').toLowerCase();
  const leafText = e.children.length === 0 ? ownText(e) : '';
  const svgShape = e instanceof SVGElement && e.tagName !== 'svg' && e.tagName !== 'g';
  if (!(interactive.has(tag) || roles.has(role) || handlers(e) || leafText || svgShape)) continue;
  if (!visible(e)) continue;
  const id = out.length + 1;
  e.setAttribute('data-sa-id', String(id));
  const item = {id: id, tag: tag.toLowerCase()};
  if (role) item.role = role;
  if (e.type && tag === 'INPUT') item.type = e.type;
  const text = (e.innerText !== undefined ? e.innerText : e.textContent || '').replace(/\s+/g, ' ').trim();
  if (text && tag !== 'SELECT') item.text = text.slice(0, maxText);
  if (!text && !svgShape && typeof e.className === 'string' && e.className.trim()) item.class = e.className.trim().slice(0, maxText);
  if ((tag === 'INPUT' && e.type !== 'checkbox' && e.type !== 'radio') || tag === 'TEXTAREA') { item.value = (e.value || '').slice(0, maxText);
    if (e.placeholder) item.placeholder = e.placeholder.slice(0, maxText); }
  if (e.type === 'checkbox' || e.type === 'radio') item.checked = !!e.checked;
  if (tag === 'SELECT') item.options = Array.from(e.options).map(o => o.text.trim()).slice(0, 15);
  if (svgShape) { item.shape = tag.toLowerCase(); const f = e.getAttribute('fill'); if (f) item.fill = f; }
  for (const a of ['aria-label', 'title', 'name', 'for']) { const v = e.getAttribute(a); if (v) item[a] = v.slice(0, maxText); }
  out.push(item);
}
const q = document.querySelector('#query');
return {instruction: q ? q.innerText.replace(/\s+/g, ' ').trim() : document.title, elements: out};
"""


def describe(el: dict[str, Any]) -> str:
    """One line for one element, e.g. `[3] button "Submit"` or `[5] input type=text value=""`."""
    parts = [f"[{el['id']}] {el.get('tag', '?')}"]
    for key in ("role", "type", "shape", "fill"):
        if el.get(key):
            parts.append(f"{key}={el[key]}")
    if el.get("text"):
        parts.append(f'"{el["text"]}"')
    for key in ("aria-label", "title", "name", "placeholder", "class"):
        if el.get(key):
            parts.append(f'{key}="{el[key]}"')
    if "value" in el:
        parts.append(f'value="{el["value"]}"')
    if "checked" in el:
        parts.append("checked" if el["checked"] else "unchecked")
    if el.get("options"):
        parts.append("options=" + "|".join(el["options"]))
    return " ".join(parts)


def render(elements: list[dict[str, Any]]) -> str:
    return "\n".join(describe(e) for e in elements) or "(no visible interactive elements)"
