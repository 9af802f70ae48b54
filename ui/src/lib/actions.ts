/** Focus the element once it is in the document (used instead of the autofocus attribute). */
export function focusOnMount(node: HTMLElement) {
  const id = requestAnimationFrame(() => node.focus());
  return {
    destroy() {
      cancelAnimationFrame(id);
    },
  };
}

/** True when a key event comes from a place where the user types text. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  const tag = target.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
}
