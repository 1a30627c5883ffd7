import { Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { ClientConfig } from '#shared/config/schema.ts';
import { parameterName } from '#shared/config/secrets.ts';
import { chatSecrets, configuredSecrets } from '#shared/sources/secrets.ts';

/** Every secret name the client config refers to (source credentials, the email hash key, chat webhooks). */
export function secretNames(config: ClientConfig): string[] {
  return [...new Set(configuredSecrets(config).map((secret) => secret.name))].sort();
}

/**
 * The client's secrets: one SecureString parameter per name in the config
 * (`/samepage/<name>`, shared/config/secrets.ts), which ops create with the vendor's value before
 * the first delivery (README "Deploy a client"). CloudFormation cannot create a SecureString
 * parameter, and values never pass through CDK, so the stack creates none: it grants each
 * function GetParameter on exactly the parameters it reads. A parameter outlives the stack, the
 * email-hash key above all (a new key would unlink every stored hash from new ones).
 */
export class SourceSecrets extends Construct {
  private readonly config: ClientConfig;

  constructor(scope: Construct, id: string, props: { config: ClientConfig }) {
    super(scope, id);
    this.config = props.config;
    // Fails the synth on a name Parameter Store would refuse, naming it.
    for (const name of secretNames(props.config)) parameterName(name);
  }

  /** Ingest reads the sources' credentials and the email-hash key. */
  grantIngest(fn: IFunction): void {
    this.grant(
      fn,
      configuredSecrets(this.config)
        .filter((secret) => secret.use !== 'slack webhook' && secret.use !== 'teams webhook')
        .map((secret) => secret.name),
    );
  }

  /** send-packet reads the chat webhooks' URLs, and only it. */
  grantChat(fn: IFunction): void {
    this.grant(
      fn,
      chatSecrets(this.config).map((secret) => secret.name),
    );
  }

  /**
   * GetParameter on exactly these parameters: not GetParameterHistory (CDK's grantRead adds it),
   * which would hand out earlier values too. No KMS statement: see shared/adapters/ssm-parameters.ts.
   */
  private grant(fn: IFunction, names: string[]): void {
    if (names.length === 0) return;
    const stack = Stack.of(this);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['ssm:GetParameter'],
        resources: [...new Set(names)].sort().map((name) =>
          stack.formatArn({
            service: 'ssm',
            resource: 'parameter',
            resourceName: parameterName(name).slice(1),
          }),
        ),
      }),
    );
  }
}
