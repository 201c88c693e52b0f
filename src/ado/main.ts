import { run } from "./run.js";

// CommonJS bundle: no top-level await; run() settles every failure itself.
void run();
