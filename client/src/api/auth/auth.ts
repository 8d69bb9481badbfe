import { http } from "../request";
import type { AdminKind, UserSummary } from "../types";

export interface Me {
  user: UserSummary;
  permissions: string[];
  adminKind: AdminKind | null;
  mustChangePassword: boolean;
  totpEnabled: boolean;
  idleTimeoutMinutes: number;
  passwordPolicy: { minLength: number };
}

export interface LoginBody {
  username: string;
  password: string;
  totp?: string;
  recoveryCode?: string;
}

export interface TotpSetup {
  secret: string;
  otpauthUrl: string;
  qrDataUrl: string;
}

export interface SessionInfo {
  id: string;
  ip: string | null;
  userAgent: string | null;
  createdAt: string;
  lastSeenAt: string;
  current: boolean;
}

export type PasswordRule = "length" | "classes" | "username";

export const getCsrf = () => http.get<{ token: string }>("/api/auth/csrf");

export const login = (body: LoginBody) => http.post<Me>("/api/auth/login", body, { skipAuthHandling: true });

export const logout = () => http.post<void>("/api/auth/logout", {}, { skipAuthHandling: true });

export const getMe = () => http.get<Me>("/api/auth/me", undefined, { skipAuthHandling: true });

export const changePassword = (body: { currentPassword: string; newPassword: string }) =>
  http.post<void>("/api/auth/password", body);

export const setupTotp = () => http.post<TotpSetup>("/api/auth/totp/setup", {});

export const enableTotp = (code: string) => http.post<{ recoveryCodes: string[] }>("/api/auth/totp/enable", { code });

export const disableTotp = (password: string) => http.post<void>("/api/auth/totp/disable", { password });

export const listSessions = () => http.get<{ items: SessionInfo[] }>("/api/auth/sessions");
