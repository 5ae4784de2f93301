// The `os` host module: files and directories, search, downloads, platform and packages.

import type { HostModule } from "../../host/index.js";
import { downloadFunctions } from "./download.js";
import { fileFunctions } from "./files.js";
import { findFunctions } from "./find.js";
import { packageFunctions } from "./packages.js";
import { platformFunctions } from "./platform.js";

const osModule: HostModule = {
  name: "os",
  description:
    "Files and directories, searching, downloads, platform checks and system packages. Paths may be relative to the job's working directory (see `chdir`, which never moves the runner itself) or start with `~/` for the job's home; functions that change something return the absolute path they acted on.",
  functions: [
    ...fileFunctions,
    ...findFunctions,
    ...downloadFunctions,
    ...platformFunctions,
    ...packageFunctions,
  ],
};

export default osModule;
