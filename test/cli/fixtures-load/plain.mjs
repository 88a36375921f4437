// A JavaScript file: imported by Node itself, no TypeScript loader involved.
export const answer = {
  definition: { name: "answer", steps: [] },
  run: () => 42,
  resume: () => 42,
};
