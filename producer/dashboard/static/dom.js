/**
 * Small DOM and number helpers shared by the dashboard's modules. Every value
 * from the API reaches the page through textContent or attributes, never as
 * HTML, so a hostile message id or error text stays text.
 */

/** The element with this data-testid (the page names its parts that way). */
export function el(id) {
  return document.querySelector('[data-testid="' + id + '"]');
}

/** A new element with an optional class and text. */
export function make(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** Sets the text of the element with this data-testid. */
export function setText(id, text) {
  el(id).textContent = text;
}

/** A number from the API, or 0 for anything that is not one. */
export function num(value) {
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}

/** A number with thousands separators. */
export function fmt(value) {
  return num(value).toLocaleString('en-US');
}

/** A rate per second: one decimal below 10, whole above. */
export function fmtRate(rate) {
  return rate < 10 ? rate.toFixed(1) : Math.round(rate).toLocaleString('en-US');
}

/** An age in ms, short: 850 ms, 4.2 s, 37 s, 12 min 5 s, 3 h 20 min. */
export function fmtAge(value) {
  const ms = Math.max(0, num(value));
  if (ms < 1000) return Math.round(ms) + (ms === 0 ? ' s' : ' ms');
  const seconds = ms / 1000;
  if (seconds < 10) return seconds.toFixed(1) + ' s';
  if (seconds < 60) return Math.round(seconds) + ' s';
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return minutes + ' min ' + Math.floor(seconds % 60) + ' s';
  return Math.floor(minutes / 60) + ' h ' + (minutes % 60) + ' min';
}

/** The sum of `pick` over `list`, counting what is not a number as 0. */
export function sumOf(list, pick) {
  return list.reduce((total, item) => total + num(pick(item)), 0);
}
