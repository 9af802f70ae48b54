// The search of a patient under a box, shared by the guarantor picker (patient form), the merge
// picker ("Fusionner avec un autre dossier…") and the patient of an appointment (booking dialog):
// the text typed, the latest reply (a slow reply to "be" never overwrites the one to "ben"), the
// list driven by the keyboard, Enter and Escape. Each picker keeps its markup, and says which
// files it offers, what a pick does, and what Enter on an empty box and Escape do there.
import { tick } from "svelte";
import * as api from "./api";
import { handleError } from "./app.svelte";
import type { Patient, PatientRef } from "./bindings";
import { SEARCH_DEBOUNCE_MS, SEARCH_LIMIT } from "./constants";
import { createLatestSearch, type LatestSearch } from "./latest";
import { listStep, revealRow, stepActive } from "./listbox";
import { te } from "./locale.svelte";
import { patientRef } from "./merge";
import { guarantorCandidates, isErased } from "./patients";

/** The keyboard event fields the search reads (a KeyboardEvent in the app). */
export type SearchKey = Pick<KeyboardEvent, "key" | "isComposing" | "preventDefault" | "stopPropagation">;

export type PatientSearchOptions = {
  /** The ids of the list and its rows: `${prefix}-results`, `${prefix}-option-${i}` (read each time: it may be a prop). */
  idPrefix: () => string;
  /** The files offered out of those the search found (read at each reply: it may use props). */
  filter: (found: Patient[]) => Patient[];
  /** A file was picked (the box is emptied and the list closed first). */
  onpick: (p: Patient) => void;
  /**
   * "passes": Enter in an empty box is left alone, so it saves the form around it;
   * "swallowed": Enter never leaves the box (nothing to send yet).
   */
  emptyEnter: "passes" | "swallowed";
  /**
   * "steps": Escape closes the list, then empties the box; only an empty, closed box lets it go
   * on (to leave the form, or close the dialog around). "passes": Escape is left to the dialog
   * the box sits in (it closes the picker).
   */
  escape: "steps" | "passes";
};

export class PatientSearch {
  query = $state("");
  /** The files offered for the latest reply shown; null before any (or once the box is empty). */
  results = $state<Patient[] | null>(null);
  /** The query the shown results answer (the box may already hold more text). */
  answered = $state("");
  /** The search said as much as it can: there may be more files than shown. */
  truncated = $state(false);
  /** Erased files the search found and the list leaves out (an erased file takes no guarantor,
   * merge or appointment): said when they are all the search found. */
  erasedLeftOut = $state(0);
  active = $state(0);
  /** The list is shown (a list under the box closes when the box loses the focus; the merge
   * picker shows its rows whatever this says, and it is set there whenever there are results). */
  open = $state(false);
  pending = $state(false);
  error = $state<string | null>(null);
  /** The list element (bind:this), to bring the active row into view. */
  list = $state<HTMLElement>();

  readonly #opts: PatientSearchOptions;
  readonly #search: LatestSearch;
  // Enter was pressed before the reply to the latest text arrived: pick its best match then.
  #pickOnReply = false;

  constructor(opts: PatientSearchOptions) {
    this.#opts = opts;
    this.#search = createLatestSearch<Patient[]>({
      delayMs: SEARCH_DEBOUNCE_MS,
      run: (q) => api.searchPatients(q),
      onResult: (q, found) => {
        const results = opts.filter(found);
        this.results = results;
        this.truncated = found.length >= SEARCH_LIMIT;
        this.erasedLeftOut = found.filter((p) => isErased(p) && !results.includes(p)).length;
        this.answered = q;
        this.active = 0;
        this.error = null;
        this.open = true;
        if (this.#pickOnReply && q === this.query.trim()) {
          this.#pickOnReply = false;
          if (results[0]) this.pick(results[0]);
        }
      },
      onError: (_q, err) => {
        this.#pickOnReply = false;
        this.error = te(handleError(err));
      },
      onPending: (p) => (this.pending = p),
    });
  }

  /** How many files the list shows. */
  readonly count = $derived(this.results?.length ?? 0);

  get listId(): string {
    return `${this.#opts.idPrefix()}-results`;
  }

  optionId = (i: number): string => `${this.#opts.idPrefix()}-option-${i}`;

  /** The box changed: search its text after a pause (an empty box: no list). */
  onInput = () => {
    const q = this.query.trim();
    this.#pickOnReply = false;
    this.error = null;
    if (!q) {
      this.#search.cancel();
      this.results = null;
      this.answered = "";
      this.truncated = false;
      this.erasedLeftOut = 0;
      this.open = false;
      return;
    }
    this.#search.set(q);
  };

  pick = (p: Patient) => {
    this.#search.cancel();
    this.query = "";
    this.results = null;
    this.open = false;
    // A search error shown before the pick is about a search that is over.
    this.error = null;
    this.#opts.onpick(p);
  };

  /** Drops the wait and any reply in flight (the picker goes away). */
  cancel = () => this.#search.cancel();

  /** Back to an empty box, nothing pending, no list, no error. */
  reset = () => {
    this.#search.cancel();
    this.#pickOnReply = false;
    this.query = "";
    this.results = null;
    this.answered = "";
    this.truncated = false;
    this.erasedLeftOut = 0;
    this.active = 0;
    this.open = false;
    this.error = null;
  };

  onKeydown = (event: SearchKey) => {
    if (event.isComposing) return;
    const step = listStep(event.key, false);
    if (step !== null) {
      event.preventDefault();
      if (!this.results?.length) return;
      this.open = true;
      this.active = stepActive(this.active, step, this.results.length);
      void revealRow(this.list, this.active);
      return;
    }
    switch (event.key) {
      case "Enter": {
        const empty = !this.query.trim();
        if (empty && this.#opts.emptyEnter === "passes") return;
        event.preventDefault();
        if (empty) return;
        // The reply to the latest keystrokes may still be on its way: pick its best match when
        // it comes, not a row left from shorter text.
        if (this.pending) {
          this.#pickOnReply = true;
          this.#search.flush();
          return;
        }
        const p = this.open ? this.results?.[this.active] : undefined;
        if (p) this.pick(p);
        break;
      }
      case "Escape":
        if (this.#opts.escape === "passes") return;
        if (this.open && this.count > 0) {
          event.preventDefault();
          event.stopPropagation();
          this.open = false;
        } else if (this.query) {
          event.preventDefault();
          event.stopPropagation();
          this.query = "";
          this.onInput();
        }
        break;
    }
  };
}

/**
 * A picker that is a field of a form (the guarantor, the patient of an appointment): its list
 * opens under the box, Escape steps back, a pick hands on the file's reference and the choice
 * takes the box's place until it is dropped. The box's id names the list and its rows.
 */
export class PatientRefSearch extends PatientSearch {
  readonly #inputId: () => string;
  readonly #onpick: (p: PatientRef | null) => void;

  constructor(opts: {
    /** The id of the search box. */
    inputId: () => string;
    /** The file never offered (the patient being edited), or null; erased files never are. */
    excludeId: () => string | null;
    /** Chosen; null once the choice is dropped. */
    onpick: (p: PatientRef | null) => void;
    emptyEnter: PatientSearchOptions["emptyEnter"];
  }) {
    super({
      idPrefix: opts.inputId,
      filter: (found) => guarantorCandidates(found, opts.excludeId()),
      onpick: (p) => opts.onpick(patientRef(p)),
      emptyEnter: opts.emptyEnter,
      escape: "steps",
    });
    this.#inputId = opts.inputId;
    this.#onpick = opts.onpick;
  }

  /** The choice is dropped ("remove", "Changer"): the box comes back, with the focus. */
  unpick = async () => {
    this.#onpick(null);
    await tick();
    document.getElementById(this.#inputId())?.focus();
  };
}
