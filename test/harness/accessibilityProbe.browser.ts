// The in-page half of accessibilityBasics.ts: bundled into the page by esbuild and run there, so it
// is type-checked against the DOM (app/tsconfig.json) rather than Node.

/** Whether `el` is rendered for the user: laid out, visible, and not inside a closed <details> or a hidden subtree. */
function isShown(el: Element): boolean {
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && el.checkVisibility({ contentVisibilityAuto: true, opacityProperty: false, visibilityProperty: true });
}

/** Names, alt text, headings, lang and contrast of the page as it is; one line per finding. */
function accessibilityProbe(): string[] {
  const found: string[] = [];
  const describe = (el: Element) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}${el.getAttribute("data-testid") ? `[${el.getAttribute("data-testid")}]` : ""} "${(el.textContent ?? "").trim().slice(0, 40)}"`;
  const visible = isShown;
  const nameOf = (el: HTMLElement): string => {
    const labelledBy = el.getAttribute("aria-labelledby");
    if (labelledBy) return labelledBy.split(/\s+/).map((id) => document.getElementById(id)?.textContent ?? "").join(" ").trim();
    const aria = el.getAttribute("aria-label");
    if (aria) return aria.trim();
    const labels = (el as HTMLInputElement).labels;
    if (labels && labels.length > 0) return [...labels].map((l) => l.textContent ?? "").join(" ").trim();
    if (el.tagName === "BUTTON" || el.tagName === "A") return (el.textContent ?? "").trim() || el.getAttribute("title") || "";
    return el.getAttribute("title") ?? "";
  };
  if (!document.documentElement.lang) found.push("the document has no lang");
  const h1s = [...document.querySelectorAll("h1")].filter(visible);
  if (h1s.length !== 1) found.push(`${h1s.length} visible h1 headings (want 1)`);
  for (const el of document.querySelectorAll<HTMLElement>("input, select, textarea, button, a[href]")) {
    if (!visible(el) || (el as HTMLInputElement).type === "hidden") continue;
    if (nameOf(el) === "") found.push(`no accessible name: ${describe(el)}`);
  }
  for (const img of document.querySelectorAll("img")) if (!img.hasAttribute("alt")) found.push(`image without alt: ${img.src}`);
  // Contrast: text colour against the first ancestor with an opaque background.
  const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
  const luminance = ([r, g, b]: number[]) => {
    const lin = (v: number) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * lin(r!) + 0.7152 * lin(g!) + 0.0722 * lin(b!);
  };
  const background = (el: Element | null): number[] => {
    for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c.length >= 3 && (c[3] ?? 1) >= 1) return c; }
    return [255, 255, 255];
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set<Element>();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || seen.has(el) || !(node.textContent ?? "").trim() || !visible(el)) continue;
    seen.add(el);
    const style = getComputedStyle(el);
    const fg = luminance(rgb(style.color)), bg = luminance(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    const large = parseFloat(style.fontSize) >= 24 || (parseFloat(style.fontSize) >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5) && !(el as HTMLButtonElement).disabled) found.push(`contrast ${ratio.toFixed(2)}:1 for ${describe(el)}`);
  }
  return found;
}

/** The focused element, identified, and whether it shows a focus outline; undefined when nothing is focused. */
function focused(): { key: string; ring: boolean } | undefined {
  const el = document.activeElement as HTMLElement | null;
  if (!el || el === document.body) return undefined;
  const style = getComputedStyle(el);
  // Identified by its place in the document: two links with the same text and target are two stops.
  const place = [...document.querySelectorAll("*")].indexOf(el);
  return { key: `${place} ${el.tagName.toLowerCase()} "${el.textContent?.trim().slice(0, 30)}"`, ring: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0 };
}

/** The stops Tab should make: every visible, enabled control, a radio group counting once (arrow keys move within it). */
function tabStops(): number {
  const controls = [...document.querySelectorAll<HTMLElement>("input, select, textarea, button, a[href], summary")].filter((el) => isShown(el) && !(el as HTMLInputElement).disabled && (el as HTMLInputElement).type !== "hidden");
  const radioGroups = new Set(controls.filter((el) => (el as HTMLInputElement).type === "radio").map((el) => (el as HTMLInputElement).name));
  return controls.filter((el) => (el as HTMLInputElement).type !== "radio").length + radioGroups.size;
}

(window as unknown as { __a11y: object }).__a11y = { probe: accessibilityProbe, focused, tabStops, blur: () => (document.activeElement as HTMLElement | null)?.blur() };
