/**
 * Focus the element once it is in the document (used instead of the autofocus attribute);
 * `enabled` false leaves the focus where it is.
 */
export function focusOnMount(node: HTMLElement, enabled: boolean = true) {
  const id = enabled ? requestAnimationFrame(() => node.focus()) : 0;
  return {
    destroy() {
      if (id) cancelAnimationFrame(id);
    },
  };
}

/** True when a key event comes from a place where the user types text. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  const tag = target.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
}

/**
 * Move the element to the end of <body> while it exists (a sheet printed on its own, outside
 * the app). Use it on an element that has a parent element in the component, not at the top of
 * a block.
 */
export function portal(node: HTMLElement) {
  document.body.appendChild(node);
  return {
    destroy() {
      node.remove();
    },
  };
}
