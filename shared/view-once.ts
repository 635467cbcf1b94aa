/**
 * "Once per page view" for an effect, with React's development StrictMode in
 * mind. StrictMode mounts, cleans up and mounts again every effect in one
 * synchronous pass; a real unmount and mount (a navigation, back/forward, a
 * hidden and re-shown <Activity>) happen in separate tasks.
 *
 *   const once = createViewOnce();
 *   // effect:  if (once.enter(view)) track();   cleanup: once.leave();
 *
 * `enter(view)` is true for a new view, and false only when it runs in the same
 * task as the `leave()` of the same view: StrictMode's replay. `leave()`
 * forgets the view in a microtask, after StrictMode's replay had its chance.
 */
export interface ViewOnce {
  /** True when `view` is a new page view (track it); false for StrictMode's immediate replay of the same view. */
  enter(view: string): boolean;
  /** The effect's cleanup. */
  leave(): void;
}

export function createViewOnce(defer: (task: () => void) => void = queueMicrotask): ViewOnce {
  let current: string | undefined;
  let leaving = false;
  return {
    enter(view) {
      const replay = leaving && current === view;
      current = view;
      leaving = false;
      return !replay;
    },
    leave() {
      leaving = true;
      defer(() => {
        if (leaving) current = undefined;
        leaving = false;
      });
    },
  };
}
