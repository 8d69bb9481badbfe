import { z } from "zod";
import { nameText, plainText } from "../../../core/validate.js";

export const PatronRegisterSchema = z.object({
  body: z.object({
    /** An e-mail address or a mobile number: the name the patron signs in with (services/patrons.ts). */
    login: plainText().trim().min(1).max(255),
    displayName: nameText().trim().min(1).max(64),
    password: plainText().min(1).max(256),
  }),
});
