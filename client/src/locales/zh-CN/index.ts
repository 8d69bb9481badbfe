import archive from "./archive";
import audit from "./audit";
import auth from "./auth";
import common from "./common";
import directory from "./directory";
import mail from "./mail";
import mailAdmin from "./mailAdmin";
import mailCompose from "./mailCompose";
import mailErrors from "./mailErrors";
import libraryErrors from "./libraryErrors";
import library from "./library";
import modules from "./modules";
import notify from "./notify";
import oa from "./oa";
import org from "./org";
import security from "./security";
import settings from "./settings";

export default {
  ...common,
  ...archive,
  ...auth,
  ...org,
  ...audit,
  ...settings,
  ...modules,
  ...security,
  ...directory,
  ...mail,
  ...mailAdmin,
  ...mailCompose,
  ...notify,
  ...oa,
  ...library,
  // Server error codes of the modules that keep theirs apart from common.ts.
  errors: { ...common.errors, ...mailErrors, ...libraryErrors },
};
