import { App } from 'aws-cdk-lib';
import { resolveClientConfig } from '#shared/config/clients.ts';
import { ClientStack } from './client-stack.ts';

/** `cdk deploy -c client=<name>`: one stack per client config in clients/. */
const app = new App();
const client = app.node.tryGetContext('client') as string | undefined;
if (!client) throw new Error('Pass the client: cdk synth -c client=<name> (a config in clients/)');
const config = resolveClientConfig(client);
new ClientStack(app, `Samepage-${config.client}`, {
  config,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
app.synth();
