// All user-facing strings. `fr` is the reference; `en` must have exactly the same keys
// (enforced by the type below and by i18n.test.ts).
import type { ApiError, Language, Permission, PhoneRegion, Role } from "./bindings";

export const fr = {
  "app.name": "Chairside",
  "app.tagline": "Logiciel de gestion du cabinet dentaire",
  "app.loading": "Chargement…",
  "app.startup_failed": "Impossible de joindre le moteur de l'application.",
  "app.startup_hint": "Chairside doit être lancé depuis son application de bureau. Si le problème persiste, redémarrez l'application.",
  "app.retry": "Réessayer",

  "lang.label": "Langue",
  "lang.fr": "Français",
  "lang.en": "English",
  "lang.switch": "Langue de l'interface",

  "common.busy": "Veuillez patienter…",
  "common.yes": "Oui",
  "common.no": "Non",
  "common.close": "Fermer",
  "common.save": "Enregistrer",
  "common.required": "obligatoire",

  "validation.required": "Veuillez remplir tous les champs obligatoires.",
  "validation.password_short": "Le mot de passe doit contenir au moins {min} caractères.",
  "validation.password_mismatch": "Les deux mots de passe ne correspondent pas.",
  "validation.passphrase_mismatch": "Les deux phrases de passe ne correspondent pas.",

  "setup.title": "Bienvenue dans Chairside",
  "setup.intro": "Configurons votre cabinet. Ces informations restent sur cet ordinateur.",
  "setup.section_clinic": "Le cabinet",
  "setup.clinic_name": "Nom du cabinet",
  "setup.address": "Adresse",
  "setup.timezone": "Fuseau horaire",
  "setup.phone_region": "Indicatif téléphonique",
  "setup.language": "Langue du cabinet",
  "setup.section_owner": "Compte du titulaire",
  "setup.owner_intro": "Ce compte administre le cabinet : utilisateurs, paramètres et sauvegardes.",
  "setup.owner_username": "Identifiant",
  "setup.owner_display_name": "Nom affiché",
  "setup.owner_display_name_hint": "Par exemple : Dr Amina Benali",
  "setup.password": "Mot de passe",
  "setup.password_hint": "Au moins {min} caractères.",
  "setup.password_confirm": "Confirmer le mot de passe",
  "setup.section_passphrase": "Phrase de passe de la base de données",
  "setup.passphrase_explain": "Cet ordinateur n'a pas de trousseau de clés système. Cette phrase de passe déverrouille la base de données chiffrée à chaque démarrage. Conservez-la en lieu sûr : sans elle, les données ne peuvent pas être récupérées.",
  "setup.passphrase": "Phrase de passe",
  "setup.passphrase_confirm": "Confirmer la phrase de passe",
  "setup.submit": "Créer le cabinet",
  "setup.submitting": "Création du cabinet…",
  "setup.options_failed": "Impossible de charger les options de configuration.",

  "store.title": "Déverrouiller la base de données",
  "store.intro": "La base de données de ce cabinet est chiffrée. Saisissez sa phrase de passe pour l'ouvrir.",
  "store.passphrase": "Phrase de passe",
  "store.submit": "Déverrouiller",
  "store.submitting": "Déverrouillage…",

  "login.title": "Connexion",
  "login.intro": "Identifiez-vous pour accéder au cabinet.",
  "login.username": "Identifiant",
  "login.password": "Mot de passe",
  "login.submit": "Se connecter",
  "login.submitting": "Connexion…",

  "lock.title": "Session verrouillée",
  "lock.intro": "Saisissez votre mot de passe pour reprendre votre session.",
  "lock.locked_user": "Session de",
  "lock.password": "Mot de passe",
  "lock.submit": "Déverrouiller",
  "lock.submitting": "Déverrouillage…",
  "lock.switch_user": "Changer d'utilisateur",
  "lock.wrong_password": "Mot de passe incorrect.",

  "home.lock": "Verrouiller",
  "home.sign_out": "Se déconnecter",
  "home.shortcuts": "Raccourcis clavier",
  "home.signed_in_as": "Connecté(e) :",
  "home.main_nav": "Navigation principale",

  "nav.home": "Accueil",
  "nav.agenda": "Agenda",
  "nav.patients": "Patients",
  "nav.reports": "Rapports",
  "nav.sync": "Synchronisation",
  "nav.settings": "Paramètres",

  "overview.greeting": "Bonjour, {name}",
  "overview.subtitle": "Voici l'essentiel de votre cabinet.",
  "overview.clinic": "Le cabinet",
  "overview.clinic_name": "Nom",
  "overview.address": "Adresse",
  "overview.timezone": "Fuseau horaire",
  "overview.phone_region": "Indicatif par défaut",
  "overview.device": "Cet appareil",
  "overview.role_title": "Votre rôle",
  "overview.role_allows": "Votre rôle vous permet de :",
  "overview.no_permissions": "Aucun droit n'est attribué à ce rôle.",
  "overview.clinic_failed": "Impossible de charger les informations du cabinet.",

  "soon.title": "{module} arrive bientôt",
  "soon.body": "Ce module sera disponible dans une prochaine version de Chairside. Merci de votre patience.",

  "users.title": "Utilisateurs",
  "users.intro": "Les personnes qui peuvent se connecter à ce cabinet.",
  "users.username": "Identifiant",
  "users.display_name": "Nom affiché",
  "users.role": "Rôle",
  "users.active": "Actif",
  "users.empty": "Aucun utilisateur.",
  "users.loading": "Chargement des utilisateurs…",
  "users.add_title": "Ajouter un utilisateur",
  "users.password": "Mot de passe initial",
  "users.add_submit": "Ajouter l'utilisateur",
  "users.adding": "Ajout…",
  "users.added": "Utilisateur « {name} » ajouté.",

  "settings.title": "Paramètres du cabinet",
  "settings.language": "Langue du cabinet",
  "settings.idle_lock": "Verrouillage automatique après inactivité",
  "settings.idle_lock_hint": "La session se verrouille après cette durée sans activité.",
  "settings.saving": "Enregistrement…",
  "settings.saved": "Paramètres enregistrés.",
  "settings.not_allowed": "Votre rôle ne permet pas de modifier les paramètres du cabinet.",
  "settings.seconds": "{n} secondes",
  "settings.minute": "1 minute",
  "settings.minutes": "{n} minutes",

  "help.title": "Raccourcis clavier",
  "help.lock": "Verrouiller la session",
  "help.help": "Afficher ou masquer cette aide",
  "help.close": "Fermer une fenêtre",
  "help.submit": "Valider un formulaire",
  "help.next_field": "Passer au champ suivant",
  "help.key_enter": "Entrée",
  "help.key_esc": "Échap",

  "role.owner": "Titulaire",
  "role.dentist": "Chirurgien-dentiste",
  "role.assistant": "Assistant(e) dentaire",
  "role.receptionist": "Accueil et secrétariat",

  "perm.view_agenda": "Consulter l'agenda",
  "perm.edit_agenda": "Modifier l'agenda",
  "perm.view_patients": "Consulter les dossiers patients",
  "perm.edit_patients": "Modifier les dossiers patients",
  "perm.view_clinical": "Consulter les données cliniques",
  "perm.edit_clinical": "Saisir les données cliniques",
  "perm.prescribe": "Rédiger des ordonnances",
  "perm.view_imaging": "Consulter l'imagerie",
  "perm.edit_imaging": "Gérer l'imagerie",
  "perm.view_billing": "Consulter la facturation",
  "perm.edit_billing": "Gérer la facturation",
  "perm.view_reports": "Consulter les rapports",
  "perm.export_patient_data": "Exporter les données d'un patient",
  "perm.erase_patient": "Effacer les données d'un patient",
  "perm.run_sync": "Lancer la synchronisation",
  "perm.manage_users": "Gérer les utilisateurs",
  "perm.manage_devices": "Gérer les appareils",
  "perm.manage_settings": "Gérer les paramètres du cabinet",
  "perm.manage_backups": "Gérer les sauvegardes",
  "perm.view_audit": "Consulter le journal d'audit",

  "error.wrong_passphrase": "Phrase de passe incorrecte.",
  "error.wrong_credentials": "Identifiant ou mot de passe incorrect.",
  "error.keyring_unavailable": "Le trousseau de clés du système est indisponible.",
  "error.not_a_chairside_database": "Ce fichier n'est pas une base de données Chairside.",
  "error.newer_database": "Cette base de données a été créée par une version plus récente de Chairside. Mettez l'application à jour.",
  "error.permission_denied": "Votre rôle ne permet pas cette action.",
  "error.session_locked": "La session est verrouillée.",
  "error.not_signed_in": "Vous n'êtes pas connecté(e).",
  "error.invalid_input": "Saisie invalide : {detail}",
  "error.already_initialised": "Ce cabinet est déjà configuré.",
  "error.conflict": "Cet élément existe déjà (par exemple, un identifiant déjà utilisé).",
  "error.internal": "Une erreur interne est survenue. Réessayez ; si le problème persiste, redémarrez l'application.",
  "error.unknown": "Une erreur inattendue est survenue.",
} as const;

export type MessageKey = keyof typeof fr;

export const en: Record<MessageKey, string> = {
  "app.name": "Chairside",
  "app.tagline": "Dental practice management",
  "app.loading": "Loading…",
  "app.startup_failed": "Could not reach the application engine.",
  "app.startup_hint": "Chairside must be started from its desktop application. If the problem persists, restart the application.",
  "app.retry": "Try again",

  "lang.label": "Language",
  "lang.fr": "Français",
  "lang.en": "English",
  "lang.switch": "Interface language",

  "common.busy": "Please wait…",
  "common.yes": "Yes",
  "common.no": "No",
  "common.close": "Close",
  "common.save": "Save",
  "common.required": "required",

  "validation.required": "Please fill in all required fields.",
  "validation.password_short": "The password must be at least {min} characters long.",
  "validation.password_mismatch": "The two passwords do not match.",
  "validation.passphrase_mismatch": "The two passphrases do not match.",

  "setup.title": "Welcome to Chairside",
  "setup.intro": "Let's set up your practice. This information stays on this computer.",
  "setup.section_clinic": "The practice",
  "setup.clinic_name": "Practice name",
  "setup.address": "Address",
  "setup.timezone": "Time zone",
  "setup.phone_region": "Default phone region",
  "setup.language": "Practice language",
  "setup.section_owner": "Owner account",
  "setup.owner_intro": "This account administers the practice: users, settings and backups.",
  "setup.owner_username": "Username",
  "setup.owner_display_name": "Display name",
  "setup.owner_display_name_hint": "For example: Dr Amina Benali",
  "setup.password": "Password",
  "setup.password_hint": "At least {min} characters.",
  "setup.password_confirm": "Confirm password",
  "setup.section_passphrase": "Database passphrase",
  "setup.passphrase_explain": "This computer has no OS keyring. This passphrase unlocks the encrypted database every time Chairside starts. Keep it safe: without it, the data cannot be recovered.",
  "setup.passphrase": "Passphrase",
  "setup.passphrase_confirm": "Confirm passphrase",
  "setup.submit": "Create the practice",
  "setup.submitting": "Creating the practice…",
  "setup.options_failed": "Could not load the setup options.",

  "store.title": "Unlock the database",
  "store.intro": "This practice's database is encrypted. Enter its passphrase to open it.",
  "store.passphrase": "Passphrase",
  "store.submit": "Unlock",
  "store.submitting": "Unlocking…",

  "login.title": "Sign in",
  "login.intro": "Sign in to access the practice.",
  "login.username": "Username",
  "login.password": "Password",
  "login.submit": "Sign in",
  "login.submitting": "Signing in…",

  "lock.title": "Session locked",
  "lock.intro": "Enter your password to resume your session.",
  "lock.locked_user": "Session of",
  "lock.password": "Password",
  "lock.submit": "Unlock",
  "lock.submitting": "Unlocking…",
  "lock.switch_user": "Switch user",
  "lock.wrong_password": "Wrong password.",

  "home.lock": "Lock",
  "home.sign_out": "Sign out",
  "home.shortcuts": "Keyboard shortcuts",
  "home.signed_in_as": "Signed in:",
  "home.main_nav": "Main navigation",

  "nav.home": "Home",
  "nav.agenda": "Agenda",
  "nav.patients": "Patients",
  "nav.reports": "Reports",
  "nav.sync": "Sync",
  "nav.settings": "Settings",

  "overview.greeting": "Hello, {name}",
  "overview.subtitle": "Here is your practice at a glance.",
  "overview.clinic": "The practice",
  "overview.clinic_name": "Name",
  "overview.address": "Address",
  "overview.timezone": "Time zone",
  "overview.phone_region": "Default phone region",
  "overview.device": "This device",
  "overview.role_title": "Your role",
  "overview.role_allows": "Your role allows you to:",
  "overview.no_permissions": "This role has no permissions.",
  "overview.clinic_failed": "Could not load the practice information.",

  "soon.title": "{module} is coming soon",
  "soon.body": "This module will be available in a later version of Chairside. Thank you for your patience.",

  "users.title": "Users",
  "users.intro": "The people who can sign in to this practice.",
  "users.username": "Username",
  "users.display_name": "Display name",
  "users.role": "Role",
  "users.active": "Active",
  "users.empty": "No users.",
  "users.loading": "Loading users…",
  "users.add_title": "Add a user",
  "users.password": "Initial password",
  "users.add_submit": "Add user",
  "users.adding": "Adding…",
  "users.added": "User “{name}” added.",

  "settings.title": "Practice settings",
  "settings.language": "Practice language",
  "settings.idle_lock": "Automatic lock after inactivity",
  "settings.idle_lock_hint": "The session locks after this long without activity.",
  "settings.saving": "Saving…",
  "settings.saved": "Settings saved.",
  "settings.not_allowed": "Your role does not allow changing the practice settings.",
  "settings.seconds": "{n} seconds",
  "settings.minute": "1 minute",
  "settings.minutes": "{n} minutes",

  "help.title": "Keyboard shortcuts",
  "help.lock": "Lock the session",
  "help.help": "Show or hide this help",
  "help.close": "Close a dialog",
  "help.submit": "Submit a form",
  "help.next_field": "Go to the next field",
  "help.key_enter": "Enter",
  "help.key_esc": "Esc",

  "role.owner": "Owner",
  "role.dentist": "Dentist",
  "role.assistant": "Dental assistant",
  "role.receptionist": "Receptionist",

  "perm.view_agenda": "View the agenda",
  "perm.edit_agenda": "Edit the agenda",
  "perm.view_patients": "View patient records",
  "perm.edit_patients": "Edit patient records",
  "perm.view_clinical": "View clinical data",
  "perm.edit_clinical": "Enter clinical data",
  "perm.prescribe": "Write prescriptions",
  "perm.view_imaging": "View imaging",
  "perm.edit_imaging": "Manage imaging",
  "perm.view_billing": "View billing",
  "perm.edit_billing": "Manage billing",
  "perm.view_reports": "View reports",
  "perm.export_patient_data": "Export a patient's data",
  "perm.erase_patient": "Erase a patient's data",
  "perm.run_sync": "Run synchronisation",
  "perm.manage_users": "Manage users",
  "perm.manage_devices": "Manage devices",
  "perm.manage_settings": "Manage practice settings",
  "perm.manage_backups": "Manage backups",
  "perm.view_audit": "View the audit log",

  "error.wrong_passphrase": "Wrong passphrase.",
  "error.wrong_credentials": "Wrong username or password.",
  "error.keyring_unavailable": "The OS keyring is unavailable.",
  "error.not_a_chairside_database": "This file is not a Chairside database.",
  "error.newer_database": "This database was created by a newer version of Chairside. Please update the application.",
  "error.permission_denied": "Your role does not allow this action.",
  "error.session_locked": "The session is locked.",
  "error.not_signed_in": "You are not signed in.",
  "error.invalid_input": "Invalid input: {detail}",
  "error.already_initialised": "This practice is already set up.",
  "error.conflict": "This already exists (for example, a username already in use).",
  "error.internal": "An internal error occurred. Try again; if the problem persists, restart the application.",
  "error.unknown": "An unexpected error occurred.",
};

export const dictionaries: Record<Language, Record<MessageKey, string>> = { fr, en };

export const LANGUAGES: readonly Language[] = ["fr", "en"];

export type Params = Record<string, string | number>;

/** Look up `key` in `lang` and fill `{name}` placeholders. */
export function translate(lang: Language, key: MessageKey, params?: Params): string {
  const text = dictionaries[lang][key] ?? fr[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** Error codes sent by the Rust side that have their own translation. */
export const KNOWN_ERROR_CODES = [
  "wrong_passphrase",
  "wrong_credentials",
  "keyring_unavailable",
  "not_a_chairside_database",
  "newer_database",
  "permission_denied",
  "session_locked",
  "not_signed_in",
  "invalid_input",
  "already_initialised",
  "conflict",
  "internal",
] as const;

export type KnownErrorCode = (typeof KNOWN_ERROR_CODES)[number];

function isKnownCode(code: string): code is KnownErrorCode {
  return (KNOWN_ERROR_CODES as readonly string[]).includes(code);
}

/** Text shown to the user for an error from the Rust side. */
export function errorText(lang: Language, err: ApiError): string {
  if (isKnownCode(err.code)) {
    return translate(lang, `error.${err.code}`, { detail: err.message || "?" });
  }
  return err.message || translate(lang, "error.unknown");
}

export const roleLabel = (lang: Language, role: Role) => translate(lang, `role.${role}`);
export const permissionLabel = (lang: Language, p: Permission) => translate(lang, `perm.${p}`);

export function phoneRegionLabel(lang: Language, region: PhoneRegion): string {
  const name = lang === "fr" ? region.name_fr : region.name_en;
  return `${name} (${region.code})`;
}

/** Human label for an idle-lock delay in seconds. */
export function durationLabel(lang: Language, seconds: number): string {
  if (seconds < 60 || seconds % 60 !== 0) return translate(lang, "settings.seconds", { n: seconds });
  const minutes = seconds / 60;
  return minutes === 1
    ? translate(lang, "settings.minute")
    : translate(lang, "settings.minutes", { n: minutes });
}
