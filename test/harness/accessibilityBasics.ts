import type { Page } from "playwright-core";
import { bundleBrowserScript } from "./appBrowser.ts";

/** What {@link accessibilityBasics} found wrong on a page, one line each (empty: none). */
export type AccessibilityFindings = string[];

/**
 * Lighthouse-style basics, checked in the page as it is: every form control and button has an
 * accessible name (a label, aria-label or text), images have alt text, the page has one h1 and a
 * `lang`, text contrast against its nearest opaque background is at least 4.5:1 (WCAG AA; 3:1 for
 * large text), and Tab reaches every enabled control with a visible focus indicator.
 *
 * @example
 * assert.deepEqual(await accessibilityBasics(page), []);
 */
export async function accessibilityBasics(page: Page): Promise<AccessibilityFindings> {
  await page.addScriptTag({ content: await bundleBrowserScript("accessibilityProbe.browser.ts") });
  type Probe = { probe(): string[]; focused(): { key: string; ring: boolean } | undefined; tabStops(): number; blur(): void };
  const probe = <T>(call: (a11y: Probe) => T) => page.evaluate(`(${call.toString()})(window.__a11y)`) as Promise<T>;
  const findings = await probe((a11y) => a11y.probe());
  // Keyboard: Tab through the page; every enabled control must be reached and show a focus ring.
  const controls = await probe((a11y) => a11y.tabStops());
  await probe((a11y) => a11y.blur());
  const reached = new Set<string>();
  for (let i = 0; i < controls + 2; i++) {
    await page.keyboard.press("Tab");
    const focus = await probe((a11y) => a11y.focused());
    if (focus === undefined) continue;
    if (!focus.ring) findings.push(`no visible focus on ${focus.key}`);
    reached.add(focus.key);
  }
  if (reached.size < controls) findings.push(`Tab reached ${reached.size} of ${controls} controls`);
  return findings;
}
