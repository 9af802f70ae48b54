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

const INPUT_EVENTS = ["keydown", "mousedown", "touchstart"] as const;

/**
 * Runs `fn` with the user's next key press, click or touch on `target` once `arm()` was called
 * (then waits for the next `arm()`). For reads the app would otherwise make on its own: every
 * command of a signed-in session counts as activity on the Rust side and would hold off the idle
 * lock, while the user's own input is activity anyway. `stop()` removes the listeners.
 */
export function onNextInput(fn: () => void, target: EventTarget = window): { arm: () => void; stop: () => void } {
  let due = false;
  const onInput = () => {
    if (!due) return;
    due = false;
    fn();
  };
  const opts: AddEventListenerOptions = { passive: true, capture: true };
  for (const e of INPUT_EVENTS) target.addEventListener(e, onInput, opts);
  return {
    arm: () => {
      due = true;
    },
    stop: () => {
      for (const e of INPUT_EVENTS) target.removeEventListener(e, onInput, opts);
    },
  };
}
