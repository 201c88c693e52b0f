import { runFact } from "./scope.js";

const GITHUB_META_URL = "https://api.github.com/meta";

/** The `actions` ranges of `GET https://api.github.com/meta`: every address a GitHub-hosted runner may egress from. */
export const githubActionsRangesFact = runFact("github-meta:actions", async (ctx): Promise<string[]> => {
  const res = await ctx.apis.plain.send("GET", GITHUB_META_URL, {
    headers: { Accept: "application/vnd.github+json" },
  });
  if (res.status !== 200) throw new Error(`${GITHUB_META_URL} answered ${res.status}`);
  return (JSON.parse(res.text) as { actions?: string[] }).actions ?? [];
});
