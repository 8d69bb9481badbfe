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

export const getSystemSettings = () => http.get<SystemSettings>("/api/settings/system");

export const updateSystemSettings = (body: Partial<SystemSettings>) =>
  http.patch<SystemSettings>("/api/settings/system", body);

export const getSecuritySettings = () => http.get<SecuritySettings>("/api/settings/security");

export const updateSecuritySettings = (body: Partial<SecuritySettings>) =>
  http.patch<SecuritySettings>("/api/settings/security", body);
