/**
 * The dashboard's one way to the API: every call carries the bearer token of
 * the current session. A session is numbered; signing in or out starts a new
 * one, so a reply that arrives for an older session is dropped (StaleError)
 * instead of drawing stale numbers or signing the new session out.
 */

/** A 401: the session has already been ended through the unauthorized handler. */
export class AuthError extends Error {}
/** A reply for a session that is over. */
export class StaleError extends Error {}

const current = { token: '', session: 0 };
let unauthorized = () => {};

/** Errors that were already handled (sign-out) or no longer matter (old session). */
export function quiet(err) {
  return err instanceof AuthError || err instanceof StaleError;
}

/** Starts a session with `token` (empty to end it); returns its number. */
export function useToken(token) {
  current.token = token;
  current.session += 1;
  return current.session;
}

/** Whether `session` is still the one signed in. */
export function isCurrent(session) {
  return session === current.session;
}

/** What to do on a 401 (sign out); set once by main.js, which owns the session's screens. */
export function onUnauthorized(handler) {
  unauthorized = handler;
}

/** Calls the API with the bearer token; a 401 signs out, any other failure throws. */
export async function api(path, method, body) {
  const session = current.session;
  const init = { method: method || 'GET', headers: { Authorization: 'Bearer ' + current.token }, cache: 'no-store' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  let data = null;
  try {
    data = await res.json();
  } catch (e) {
    data = null;
  }
  if (session !== current.session) throw new StaleError('stale');
  if (res.status === 401) {
    unauthorized('invalid token');
    throw new AuthError('invalid token');
  }
  if (!res.ok) {
    const err = new Error((data && data.message) || 'HTTP ' + res.status);
    err.status = res.status;
    throw err;
  }
  return data;
}
