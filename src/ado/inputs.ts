import * as tl from "azure-pipelines-task-lib/task.js";
import { INPUTS } from "../core/config/inputs.js";
import type { RawInputs } from "../core/config/parse.js";
import { SERVICE_CONNECTION_INPUT } from "./manifest.js";

export interface TaskInputs {
  /** The SPEC inputs by kebab-case name; undefined when not given. */
  spec: RawInputs;
  /** Id of the AzureRM service connection (the agent passes the id, not the name). */
  serviceConnection: string;
}

/** Reads every input by its camelCase task name; validation happens in the core. */
export function readInputs(): TaskInputs {
  const spec = Object.fromEntries(INPUTS.map((input) => [input.name, tl.getInput(input.adoName)]));
  return { spec, serviceConnection: tl.getInput(SERVICE_CONNECTION_INPUT)?.trim() ?? "" };
}
