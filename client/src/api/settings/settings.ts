import { http } from "../request";

export interface SystemSettings {
  siteName: string;
}

export interface SecuritySettings {
  minPasswordLength: number;
  lockoutThreshold: number;
  lockoutMinutes: number;
  idleTimeoutMinutes: number;
  sessionMaxHours: number;
}

/** Business role codes every new account receives in its own unit. */
export interface DefaultRoles {
  roleCodes: string[];
}

/** Public: the login page shows the site name before anyone signs in. */
export const getSite = () =>
  http.get<{ siteName: string }>("/api/settings/site", undefined, { skipAuthHandling: true });

export const getSystemSettings = () => http.get<SystemSettings>("/api/settings/system");

export const updateSystemSettings = (body: Partial<SystemSettings>) =>
  http.patch<SystemSettings>("/api/settings/system", body);

export const getSecuritySettings = () => http.get<SecuritySettings>("/api/settings/security");

export const updateSecuritySettings = (body: Partial<SecuritySettings>) =>
  http.patch<SecuritySettings>("/api/settings/security", body);

export const getDefaultRoles = () => http.get<DefaultRoles>("/api/settings/default-roles");

export const updateDefaultRoles = (body: DefaultRoles) => http.patch<DefaultRoles>("/api/settings/default-roles", body);
