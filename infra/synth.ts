import { App } from 'aws-cdk-lib';
import * as z from 'zod';
import type { ClientConfig } from '#shared/config/schema.ts';
import { ClientStack } from './client-stack.ts';

/** The part of a CloudFormation template that says what a stack creates. */
export const templateSchema = z.object({
  Resources: z.record(
    z.string(),
    z.object({ Type: z.string(), Properties: z.record(z.string(), z.unknown()).optional() }),
  ),
});
export type StackTemplate = z.infer<typeof templateSchema>;

/**
 * The CloudFormation template of one client's stack, as `cdk synth -c client=<client>` makes it,
 * without bundling the functions (an asset's content changes no resource, and bundling four
 * functions takes longer than the rest of the synth). For what reads the stack's resources,
 * such as the cost model; the stack tests bundle, as a deploy does.
 */
export function synthesizeClientTemplate(config: ClientConfig): StackTemplate {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new ClientStack(app, `Samepage-${config.client}`, {
    config,
    env: { account: '123456789012', region: 'us-east-1' },
  });
  return templateSchema.parse(app.synth().getStackByName(stack.stackName).template);
}
