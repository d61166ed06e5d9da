// Cold-start floor: a Node process that prints at once. bench/inference.ts times spawn → this line.
process.stdout.write(`${JSON.stringify({ marks: { main: performance.now() } })}\n`);
