// Jest globalSetup: names the runtime at the top of every test run, so a log shows what was tested.
export default function printRuntime(): void {
  process.stdout.write(`\ntests run on node ${process.version} (${process.execPath})\n`);
}
