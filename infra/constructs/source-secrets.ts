import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { ClientConfig } from '#shared/config/schema.ts';
import { emailHashKeyName } from '#shared/config/secrets.ts';
import { chatSecrets, configuredSecrets } from '#shared/sources/secrets.ts';

/** Every secret name the client config refers to (source credentials, the email hash key, chat webhooks). */
export function secretNames(config: ClientConfig): string[] {
  return [...new Set(configuredSecrets(config).map((secret) => secret.name))].sort();
}

/**
 * One Secrets Manager secret per name in the config, created with a random placeholder that
 * ops replace with the vendor's value (README "Deploy a client"). Values never pass through CDK.
 * The email-hash key is data, not a credential: it is retained like the table.
 */
export class SourceSecrets extends Construct {
  readonly secrets: Secret[];
  /** What ingest reads: the sources' credentials and the email-hash key. */
  readonly ingestSecrets: Secret[];
  /** What send-packet reads: the chat webhooks' URLs. */
  readonly chatSecrets: Secret[];

  constructor(scope: Construct, id: string, props: { config: ClientConfig }) {
    super(scope, id);
    const hashKey = emailHashKeyName(props.config);
    const names = secretNames(props.config);
    const byName = new Map<string, Secret>();
    this.secrets = names.map((name) => {
      const secret = new Secret(this, name.replace(/[^A-Za-z0-9]/g, '-'), {
        secretName: name,
        description: `samepage ${props.config.client}: set to the value issued by the source or chat tool (see README)`,
        // A Secret's removal policy is not set by default, which CloudFormation takes as Delete
        // (https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_secretsmanager.SecretProps.html).
        // Source credentials can be issued again by the vendor and go with the stack; a new
        // email-hash key would unlink every stored hash from new ones, so that one stays
        // (https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.RemovalPolicy.html).
        ...(name === hashKey ? { removalPolicy: RemovalPolicy.RETAIN } : {}),
      });
      byName.set(name, secret);
      return secret;
    });
    const pick = (wanted: Iterable<string>) => [...new Set(wanted)].flatMap((name) => byName.get(name) ?? []);
    this.chatSecrets = pick(chatSecrets(props.config).map((secret) => secret.name));
    this.ingestSecrets = pick(
      configuredSecrets(props.config)
        .filter((secret) => secret.use !== 'slack webhook' && secret.use !== 'teams webhook')
        .map((secret) => secret.name),
    );
    Validations.of(this).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason:
        'These values are issued by the webhook senders (app client secrets, form signing secrets, Basic credentials) and by Slack and Teams (incoming-webhook URLs); they are rotated in the vendor first and then pasted here, so an automatic rotation Lambda could only break the integration.',
    });
  }
}
