import { z } from "zod";

const password = z.string().min(1).max(256);

export const LoginSchema = z.object({
  body: z.object({
    username: z.string().trim().min(1).max(64),
    password,
    totp: z.string().trim().max(16).optional(),
    recoveryCode: z.string().trim().max(32).optional(),
  }),
});

export const ChangePasswordSchema = z.object({
  body: z.object({ currentPassword: password, newPassword: password }),
});

export const TotpEnableSchema = z.object({
  body: z.object({ code: z.string().trim().max(16) }),
});

export const TotpDisableSchema = z.object({
  body: z.object({ password }),
});

export const EmptySchema = z.object({});
