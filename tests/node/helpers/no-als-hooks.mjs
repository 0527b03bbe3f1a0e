// Module hooks for a child process that pretends the runtime has no AsyncLocalStorage (like a
// Worker without nodejs_als): importing node:async_hooks fails.
export async function resolve(specifier, context, next) {
  if (specifier === "node:async_hooks" || specifier === "async_hooks") {
    throw new Error("no async_hooks in this runtime");
  }
  return next(specifier, context);
}
