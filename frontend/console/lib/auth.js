// The staff session: Cognito USER_PASSWORD_AUTH / REFRESH_TOKEN_AUTH called with fetch,
// tokens kept in sessionStorage (gone with the tab), refreshed before they expire.

const STORAGE_KEY = "concerto.console.session";
const REFRESH_MARGIN_MS = 2 * 60 * 1000;
const ROLES = ["admin", "agent", "viewer"];

let configPromise = null;
let session = null;
let refreshTimer = null;
let refreshing = null;
const listeners = new Set();

/** GET /api/config, once. */
export function loadConfig() {
  if (!configPromise) {
    configPromise = fetch("/api/config", { headers: { Accept: "application/json" } })
      .then((response) => {
        if (!response.ok) throw new Error(`config ${response.status}`);
        return response.json();
      })
      .catch((error) => {
        configPromise = null;
        throw error;
      });
  }
  return configPromise;
}

/** Subscribe to "login", "refresh", "logout" and "expired" events. */
export function onSessionChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function emit(kind, detail) {
  for (const listener of listeners) listener(kind, detail);
}

export class AuthError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

function decodePayload(token) {
  const part = token.split(".")[1];
  if (!part) throw new Error("not a JWT");
  const base64 = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
  const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

function fromTokens(result, previousRefresh) {
  const claims = decodePayload(result.IdToken);
  const groups = Array.isArray(claims["cognito:groups"]) ? claims["cognito:groups"] : [];
  const role = ROLES.find((candidate) => groups.includes(candidate)) || null;
  const expiresAt = claims.exp
    ? claims.exp * 1000
    : Date.now() + (Number(result.ExpiresIn) || 3600) * 1000;
  return {
    idToken: result.IdToken,
    // For the member's own account calls to Cognito (setting up two-factor sign-in).
    accessToken: result.AccessToken || null,
    refreshToken: result.RefreshToken || previousRefresh || null,
    expiresAt,
    email: claims.email || claims["cognito:username"] || "",
    commune: claims["custom:commune"] || "",
    role,
  };
}

const COGNITO_MESSAGES = {
  NotAuthorizedException: "Adresse e-mail ou mot de passe incorrect.",
  UserNotFoundException: "Adresse e-mail ou mot de passe incorrect.",
  PasswordResetRequiredException:
    "Votre mot de passe doit être réinitialisé : contactez l'administrateur de votre commune.",
  UserNotConfirmedException: "Votre compte n'est pas encore activé : contactez l'administrateur.",
  TooManyRequestsException: "Trop de tentatives : patientez une minute avant de réessayer.",
  LimitExceededException: "Trop de tentatives : patientez une minute avant de réessayer.",
  InvalidParameterException: "Saisissez votre adresse e-mail et votre mot de passe.",
  InvalidPasswordException:
    "Ce mot de passe est trop faible : au moins 12 caractères, avec majuscules, minuscules, chiffres et symboles.",
  CodeMismatchException: "La session d'activation a expiré : reconnectez-vous avec le mot de passe provisoire.",
  ExpiredCodeException: "La session d'activation a expiré : reconnectez-vous avec le mot de passe provisoire.",
};

async function cognito(flow, parameters) {
  return call("InitiateAuth", { AuthFlow: flow, AuthParameters: parameters });
}

// Only the sign-in actions name the app client; the account actions carry an access token.
const CLIENT_ACTIONS = new Set(["InitiateAuth", "RespondToAuthChallenge"]);

/** One Cognito action; its errors as AuthError with a French message (`messages` first). */
async function request(action, payload, messages = {}) {
  let config;
  try {
    config = await loadConfig();
  } catch {
    throw new AuthError("network", "Le serveur de la console est injoignable. Vérifiez votre connexion et réessayez.");
  }
  let response;
  try {
    response = await fetch(config.cognito.endpoint, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": `AWSCognitoIdentityProviderService.${action}`,
      },
      body: JSON.stringify(CLIENT_ACTIONS.has(action) ? { ClientId: config.cognito.clientId, ...payload } : payload),
    });
  } catch {
    throw new AuthError("network", "Le service de connexion est injoignable. Vérifiez votre connexion et réessayez.");
  }
  let body = {};
  try {
    body = await response.json();
  } catch {
    body = {};
  }
  if (!response.ok) {
    const type = String(body.__type || "").split("#").pop();
    throw new AuthError(type || "unknown", messages[type] || COGNITO_MESSAGES[type] || "La connexion a échoué. Réessayez dans un instant.");
  }
  return body;
}

const MFA_MESSAGES = {
  CodeMismatchException: "Code incorrect : saisissez le code à 6 chiffres affiché maintenant par votre application.",
  ExpiredCodeException: "Ce code a expiré : saisissez le code affiché maintenant par votre application.",
  EnableSoftwareTokenMFAException: "Code incorrect : saisissez le code à 6 chiffres affiché maintenant par votre application.",
  NotAuthorizedException: "La session de connexion a expiré : reconnectez-vous avec votre mot de passe.",
};

async function call(action, payload, messages) {
  const body = await request(action, payload, messages);
  if (body.ChallengeName === "NEW_PASSWORD_REQUIRED") {
    // A new member's first login: they choose their own password (see choosePassword).
    const error = new AuthError("NEW_PASSWORD_REQUIRED", "Choisissez votre mot de passe pour terminer l'activation de votre compte.");
    error.challengeSession = body.Session;
    throw error;
  }
  if (body.ChallengeName === "SOFTWARE_TOKEN_MFA") {
    // Two-factor sign-in: the code of the member's authenticator app (see answerMfa).
    const error = new AuthError("SOFTWARE_TOKEN_MFA", "Saisissez le code à 6 chiffres affiché par votre application d'authentification.");
    error.challengeSession = body.Session;
    throw error;
  }
  if (body.ChallengeName) {
    throw new AuthError(
      body.ChallengeName,
      "Votre compte demande une étape supplémentaire que la console ne gère pas : contactez l'administrateur.",
    );
  }
  if (!body.AuthenticationResult || !body.AuthenticationResult.IdToken) {
    throw new AuthError("unknown", "La connexion a échoué. Réessayez dans un instant.");
  }
  return body.AuthenticationResult;
}

function store() {
  if (session) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(STORAGE_KEY);
}

function schedule() {
  window.clearTimeout(refreshTimer);
  if (!session) return;
  const wait = Math.max(5000, session.expiresAt - Date.now() - REFRESH_MARGIN_MS);
  refreshTimer = window.setTimeout(() => {
    refresh().catch(() => {});
  }, Math.min(wait, 2 ** 31 - 1));
}

export async function login(email, password) {
  return open(await cognito("USER_PASSWORD_AUTH", { USERNAME: email, PASSWORD: password }));
}

/** Answers Cognito's NEW_PASSWORD_REQUIRED challenge (a new member's first login). */
export async function choosePassword(email, newPassword, challengeSession) {
  return open(
    await call("RespondToAuthChallenge", {
      ChallengeName: "NEW_PASSWORD_REQUIRED",
      Session: challengeSession,
      ChallengeResponses: { USERNAME: email, NEW_PASSWORD: newPassword },
    }),
  );
}

/** Answers the two-factor challenge with the code of the member's authenticator app. */
export async function answerMfa(email, code, challengeSession) {
  return open(
    await call(
      "RespondToAuthChallenge",
      {
        ChallengeName: "SOFTWARE_TOKEN_MFA",
        Session: challengeSession,
        ChallengeResponses: { USERNAME: email, SOFTWARE_TOKEN_MFA_CODE: code },
      },
      MFA_MESSAGES,
    ),
  );
}

async function accessToken() {
  if (!session) throw new AuthError("expired", "Votre session a expiré.");
  if (session.expiresAt - Date.now() < 60 * 1000) await refresh();
  if (!session.accessToken) {
    throw new AuthError("expired", "Reconnectez-vous pour modifier la sécurité de votre compte.");
  }
  return session.accessToken;
}

/** Starts setting up two-factor sign-in: the secret key to enter in an authenticator app. */
export async function startMfaSetup() {
  const result = await request("AssociateSoftwareToken", { AccessToken: await accessToken() });
  return result.SecretCode;
}

/** Finishes it with a first code from the app; Cognito asks a code at every sign-in after. */
export async function confirmMfaSetup(code) {
  const token = await accessToken();
  await request("VerifySoftwareToken", { AccessToken: token, UserCode: code, FriendlyDeviceName: "Console Concerto" }, MFA_MESSAGES);
  await request("SetUserMFAPreference", {
    AccessToken: token,
    SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
  });
}

function open(result) {
  const next = fromTokens(result);
  if (!next.role || !next.commune) {
    throw new AuthError("not_staff", "Ce compte n'a pas accès à la console d'une commune.");
  }
  session = next;
  store();
  schedule();
  emit("login", session);
  return session;
}

/** Gets new tokens with the refresh token; on failure the session ends ("expired"). */
export function refresh() {
  if (refreshing) return refreshing;
  if (!session || !session.refreshToken) {
    expire();
    return Promise.reject(new AuthError("expired", "Votre session a expiré."));
  }
  refreshing = cognito("REFRESH_TOKEN_AUTH", { REFRESH_TOKEN: session.refreshToken })
    .then((result) => {
      session = { ...fromTokens(result, session && session.refreshToken) };
      store();
      schedule();
      emit("refresh", session);
      return session;
    })
    .catch((error) => {
      if (error.code === "network") {
        // Cognito unreachable: keep the session while the token is still valid.
        if (session && session.expiresAt > Date.now() + 10000) {
          window.clearTimeout(refreshTimer);
          refreshTimer = window.setTimeout(() => refresh().catch(() => {}), 30000);
          throw error;
        }
      }
      expire();
      throw new AuthError("expired", "Votre session a expiré.");
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/** The current ID token, refreshed first when it is about to expire. */
export async function idToken() {
  if (!session) throw new AuthError("expired", "Votre session a expiré.");
  if (session.expiresAt - Date.now() < 60 * 1000) await refresh();
  return session.idToken;
}

export function current() {
  return session;
}

/** Restores the session of this tab (sessionStorage) at start-up. */
export function restore() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
    if (saved && saved.idToken && saved.role) {
      session = saved;
      if (session.expiresAt - Date.now() < REFRESH_MARGIN_MS) {
        // Refresh now; the caller may still use the session meanwhile.
        refresh().catch(() => {});
      } else schedule();
    }
  } catch {
    session = null;
  }
  return session;
}

export function logout() {
  window.clearTimeout(refreshTimer);
  session = null;
  store();
  emit("logout");
}

function expire() {
  if (!session) return;
  window.clearTimeout(refreshTimer);
  session = null;
  store();
  emit("expired");
}

export function can(action) {
  const role = session && session.role;
  if (!role) return false;
  switch (action) {
    case "edit": // answer, edit threads, notes, moderation, templates, acknowledge alerts
      return role === "agent" || role === "admin";
    case "admin":
      return role === "admin";
    case "contact":
      return role === "agent" || role === "admin";
    default:
      return true;
  }
}

export const ROLE_LABELS = { admin: "Administrateur", agent: "Agent", viewer: "Élu (lecture)" };
