/**
 * Optional peer dependencies, imported only by the feature that needs them, so that installing
 * gladly-api does not install them for everyone. A missing one is a GladlyMissingDependencyError
 * that names the package and the command that installs it, not a bare module-resolution error.
 */
import { GladlyMissingDependencyError } from "./errors.ts";

/** Did this import fail because `pkg` itself is not installed (not some other error inside it)? */
export function isMissingPackage(error: unknown, pkg: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") return false;
  const message = error instanceof Error ? error.message : "";
  return message.includes(`'${pkg}'`) || message.includes(`'${pkg}/`) || message.includes(`"${pkg}"`) || message.includes(`"${pkg}/`);
}

/** The error for `feature` when `pkg` is not installed; `hint` adds another way (e.g. npx). */
export function missingPackageError(pkg: string, feature: string, cause?: unknown, hint?: string): GladlyMissingDependencyError {
  return new GladlyMissingDependencyError(
    pkg,
    `${feature} needs ${pkg}, an optional peer dependency of gladly-api that is not installed: npm install ${pkg}${hint ? ` (${hint})` : ""}`,
    { cause },
  );
}

/** Runs `load` (an `import()` of code that uses `pkg`), turning a missing `pkg` into the typed error. */
export async function importOptional<T>(pkg: string, feature: string, load: () => Promise<T>, hint?: string): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isMissingPackage(error, pkg)) throw missingPackageError(pkg, feature, error, hint);
    throw error;
  }
}
