import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { resolveClientConfig } from '#shared/config/clients.ts';
import { ClientStack } from './client-stack.ts';

/**
 * `cdk deploy -c client=<name>`: one stack per client config in clients/. An invalid config stops
 * the synth with every bad field; cdk-nag's AwsSolutions rules run on every synth.
 */
const app = new App();
const client = app.node.tryGetContext('client') as string | undefined;
if (!client) throw new Error('Pass the client: cdk synth -c client=<name> (a config in clients/)');
const config = resolveClientConfig(client);
const concurrency = app.node.tryGetContext('ingestConcurrency') as string | number | undefined;
new ClientStack(app, `Samepage-${config.client}`, {
  config,
  ingestConcurrency: concurrency === undefined ? undefined : Number(concurrency),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
