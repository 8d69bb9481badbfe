import { z } from "zod";
import { nameText, plainText } from "../../../core/validate.js";

const password = plainText().min(1).max(256);

export const LoginSchema = z.object({
  body: z.object({
    username: nameText().trim().min(1).max(64),
    password,
    totp: plainText().trim().max(16).optional(),
    recoveryCode: plainText().trim().max(32).optional(),
  }),
});

export const ChangePasswordSchema = z.object({
  body: z.object({ currentPassword: password, newPassword: password }),
});

export const TotpEnableSchema = z.object({
  body: z.object({ code: plainText().trim().max(16) }),
});

export const TotpDisableSchema = z.object({
  body: z.object({ password }),
});

export const EmptySchema = z.object({});
