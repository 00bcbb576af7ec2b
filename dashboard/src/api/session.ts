// The session token this browser holds, and who is told when the server ends it.

const tokenKey = 'zapnoty.session';

export function sessionToken(): string | null {
  return localStorage.getItem(tokenKey);
}

export function rememberSession(token: string | null): void {
  if (token === null) localStorage.removeItem(tokenKey);
  else localStorage.setItem(tokenKey, token);
}

/** Listeners told when the session ended (401), so the app shows the login screen. */
const sessionEnded = new Set<() => void>();

export function onSessionEnded(listener: () => void): () => void {
  sessionEnded.add(listener);
  return () => sessionEnded.delete(listener);
}

/** The server refused the token: forget it and send the person back to the login screen. */
export function endSession(): void {
  rememberSession(null);
  sessionEnded.forEach((listener) => listener());
}
