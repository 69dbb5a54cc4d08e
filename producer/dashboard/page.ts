/**
 * The dashboard's HTML, CSS and script, in one self-contained page.
 * (Placeholder shell until the page is written.)
 */

/** The page. */
export function dashboardPage(): string {
  return '<!doctype html><title>push-fanout</title><p>dashboard</p>';
}
