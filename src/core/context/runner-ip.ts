import ipaddr from "ipaddr.js";
import { challengeFact } from "./data-plane.js";
import { registryFact, runFact } from "./scope.js";

export interface RunnerIp {
  ip?: string;
  source: "input" | "firewall" | "ip-echo" | "unknown";
  /** Why it is unknown, when it is. */
  detail?: string;
}

/** The runner's egress IPv4 from the input, else the IP echo service. */
export const runnerIpFact = runFact("runner-ip", async (ctx): Promise<RunnerIp> => {
  if (ctx.config.runnerIp) return { ip: ctx.config.runnerIp, source: "input" };
  const url = ctx.config.ipEchoUrl;
  if (!url) return { source: "unknown", detail: "ip-echo-url is `none` and runner-ip is not set" };
  try {
    const res = await ctx.apis.plain.send("GET", url, { headers: { Accept: "text/plain" } });
    const text = res.text.trim();
    if (res.status === 200 && ipaddr.IPv4.isValidFourPartDecimal(text))
      return { ip: text, source: "ip-echo" };
    return { source: "unknown", detail: `${url} answered ${res.status} without an IPv4 address` };
  } catch (error) {
    return { source: "unknown", detail: `${url} could not be reached: ${(error as Error).message}` };
  }
});

/** For one registry: the input, else the IP its firewall says it refused, else the IP echo. */
export const registryRunnerIpFact = registryFact("runner-ip:registry", async (ctx): Promise<RunnerIp> => {
  if (ctx.config.runnerIp) return { ip: ctx.config.runnerIp, source: "input" };
  const challenge = await ctx.get(challengeFact);
  if (challenge.answered && challenge.blockedIp) return { ip: challenge.blockedIp, source: "firewall" };
  return ctx.get(runnerIpFact);
});
