/** The notice in the corner: what a replay did, or why it failed. */
import { el } from './dom.js';

const NOTICE_MS = 8000;
let timer = 0;

/** Shows `text` for a while, in red when `isError`. */
export function showNotice(text, isError) {
  const notice = el('notice');
  notice.textContent = text;
  notice.classList.toggle('error', isError);
  notice.hidden = false;
  clearTimeout(timer);
  timer = setTimeout(() => (notice.hidden = true), NOTICE_MS);
}
