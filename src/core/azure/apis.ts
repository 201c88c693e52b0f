import { armScope, graphScope } from "../config/clouds.js";
import type { PreflightConfig } from "../config/types.js";
import type { AzureApis, RunDeps } from "../context/scope.js";
import { HttpApi } from "./http.js";

const MAX_RETRIES = 2;

export function createAzureApis(config: PreflightConfig, deps: RunDeps, signal: AbortSignal): AzureApis {
  const options = { httpClient: deps.httpClient, maxRetries: MAX_RETRIES, signal };
  const { cloud } = config;
  return {
    arm: new HttpApi(cloud.armEndpoint, options, { credential: deps.credential, scope: armScope(cloud) }),
    graph: new HttpApi(cloud.graphEndpoint, options, {
      credential: deps.credential,
      scope: graphScope(cloud),
    }),
    plain: new HttpApi(cloud.armEndpoint, options),
  };
}
