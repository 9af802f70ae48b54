import { beforeEach, describe, expect, it } from "vitest";
import { markRecoveryStale, recoveryKeyRenewed, recoveryKeyShown, recoveryState } from "./recoverystate.svelte";

describe("recovery key state after a revocation", () => {
  beforeEach(() => {
    recoveryState.stale = null;
  });

  it("asks to print the new key once a revocation renewed it, until it is shown", () => {
    markRecoveryStale("renewed");
    expect(recoveryState.stale).toBe("renewed");
    recoveryKeyShown();
    expect(recoveryState.stale).toBeNull();
  });

  it("asks to renew a key a revocation could not renew: showing the old key is not enough", () => {
    markRecoveryStale("not_renewed");
    recoveryKeyShown();
    expect(recoveryState.stale).toBe("not_renewed");
    recoveryKeyRenewed();
    expect(recoveryState.stale).toBeNull();
  });

  it("follows the latest revocation", () => {
    markRecoveryStale("renewed");
    markRecoveryStale("not_renewed");
    expect(recoveryState.stale).toBe("not_renewed");
    markRecoveryStale("renewed");
    expect(recoveryState.stale).toBe("renewed");
    recoveryKeyRenewed();
    expect(recoveryState.stale).toBeNull();
  });

  it("asks nothing when nothing was revoked", () => {
    recoveryKeyShown();
    recoveryKeyRenewed();
    expect(recoveryState.stale).toBeNull();
  });
});
