// The interface language, as reactive state, and the `t` helper used by components.
import type { ApiError, Language } from "./bindings";
import { errorText, translate, type MessageKey, type Params } from "./i18n";
import { isSyncErrorCode, syncErrorText } from "./sync";

const STORAGE_KEY = "chairside.language";

function stored(): Language | null {
  try {
    const v = globalThis.localStorage?.getItem(STORAGE_KEY);
    return v === "fr" || v === "en" ? v : null;
  } catch {
    return null;
  }
}

const initial = stored();

export const locale = $state<{ lang: Language; chosen: boolean }>({
  lang: initial ?? "fr",
  chosen: initial !== null,
});

function applyDocumentLang(lang: Language) {
  if (typeof document !== "undefined") document.documentElement.lang = lang;
}
applyDocumentLang(locale.lang);

/** The user picked a language: remember it on this device. */
export function setLanguage(lang: Language) {
  locale.lang = lang;
  locale.chosen = true;
  applyDocumentLang(lang);
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, lang);
  } catch {
    /* storage unavailable: the choice lasts for this run only */
  }
}

/** Use the practice's language unless the user picked one on this device. */
export function adoptDefaultLanguage(lang: Language) {
  if (locale.chosen) return;
  locale.lang = lang;
  applyDocumentLang(lang);
}

export function t(key: MessageKey, params?: Params): string {
  return translate(locale.lang, key, params);
}

/** An error in the user's language; one that came from the relay (opening an image stored on
 * another PC, say) in the words of the sync. */
export function te(err: ApiError): string {
  return isSyncErrorCode(err.code) || err.reason === "revoked"
    ? syncErrorText(locale.lang, err, "devices")
    : errorText(locale.lang, err);
}
