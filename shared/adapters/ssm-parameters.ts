import { GetParameterCommand, ParameterNotFound, type SSMClient } from '@aws-sdk/client-ssm';
import { parameterName } from '../config/secrets.ts';
import { SecretNotFoundError } from '../errors.ts';
import type { Secrets } from '../ports/secrets.ts';

/**
 * In AWS: the secret named in the client config, from its SecureString parameter
 * (`/samepage/<name>`, shared/config/secrets.ts), decrypted. Under the AWS managed key aws/ssm
 * the role needs ssm:GetParameter on that parameter only: the key lets every principal of the
 * account decrypt through Parameter Store
 * (https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-restrict-decryption.html).
 */
export class SsmParameterSecrets implements Secrets {
  constructor(private readonly client: SSMClient) {}

  async get(name: string): Promise<string> {
    const parameter = parameterName(name);
    try {
      const answer = await this.client.send(
        new GetParameterCommand({ Name: parameter, WithDecryption: true }),
      );
      const value = answer.Parameter?.Value;
      if (!value) throw new SecretNotFoundError(name, `SSM parameter ${parameter} has no value`);
      return value;
    } catch (error) {
      if (error instanceof ParameterNotFound) {
        throw new SecretNotFoundError(
          name,
          `no SSM parameter ${parameter}: aws ssm put-parameter --type SecureString --name ${parameter}`,
        );
      }
      throw error;
    }
  }
}
