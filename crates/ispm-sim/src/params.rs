//! Default `requestParameters`, `responseElements`, `additionalEventData`
//! and `resources` of each API, filled with the caller's resource names.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use serde_json::{Value, json};

use crate::api::{Api, Params};
use crate::clock;
use crate::ids::{self, Stream, derive};
use crate::net::Region;
use crate::record::{EventSpec, Principal};

/// Marker CloudTrail writes in place of values it does not log.
pub(crate) const HIDDEN: &str = "HIDDEN_DUE_TO_SECURITY_REASONS";

/// Name of every account's organisation trail.
pub(crate) const TRAIL_NAME: &str = "acme-management-events";

/// The names a caller's resources are built from.
#[derive(Clone, Debug, Default)]
pub(crate) struct Scope {
    pub account: String,
    /// Account alias; bucket names start with it.
    pub alias: String,
    pub environment: &'static str,
    /// Business domain of the caller, e.g. `orders`.
    pub stem: &'static str,
    /// The Lambda function the caller runs as or deploys.
    pub function: String,
    /// The caller's own IAM user or role name.
    pub own_name: String,
    /// Bedrock model the caller invokes.
    pub model: &'static str,
    /// Picks one of the caller's resources of a kind (which secret, which
    /// bucket) and names per-run resources such as change sets.
    pub variant: u32,
}

impl Scope {
    pub(crate) fn bucket(&self) -> String {
        const KINDS: [&str; 3] = ["data", "exports", "artifacts"];
        let kind = KINDS[self.variant as usize % KINDS.len()];
        format!("{}-{}-{kind}", self.alias, self.stem)
    }

    fn table(&self) -> String {
        format!("{}-{}", self.stem, self.environment)
    }

    fn queue_url(&self, region: Region) -> String {
        format!(
            "https://sqs.{}.amazonaws.com/{}/{}-events",
            region.name(),
            self.account,
            self.stem
        )
    }

    /// Returns the ARN of one of the caller's two secrets.
    pub(crate) fn secret_arn(&self, region: Region) -> String {
        const SECRETS: [&str; 2] = ["db-credentials", "api-key"];
        let secret = SECRETS[self.variant as usize % SECRETS.len()];
        let name = format!("{}/{}/{secret}", self.environment, self.stem);
        let suffix = ids::alphanumeric(6, derive(0, Stream::SecretSuffix, &[hash_text(&name)]));
        format!(
            "arn:aws:secretsmanager:{}:{}:secret:{name}-{suffix}",
            region.name(),
            self.account
        )
    }

    pub(crate) fn kms_key_arn(&self, region: Region) -> String {
        let hash = derive(
            0,
            Stream::KmsKey,
            &[hash_text(&self.account), hash_text(self.stem)],
        );
        let mut rng = ids::rng_for(hash, Stream::KmsKey, &[]);
        format!(
            "arn:aws:kms:{}:{}:key/{}",
            region.name(),
            self.account,
            ids::uuid(&mut rng)
        )
    }

    fn trail_arn(&self) -> String {
        format!(
            "arn:aws:cloudtrail:us-east-1:{}:trail/{TRAIL_NAME}",
            self.account
        )
    }

    fn instance_id(&self) -> String {
        ids::instance_id(derive(
            u64::from(self.variant),
            Stream::InstanceId,
            &[hash_text(&self.account), hash_text(self.stem)],
        ))
    }
}

/// FNV-1a of a text, to feed names into [`derive`].
pub(crate) fn hash_text(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// An entry of a record's `resources`.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Resource {
    #[serde(rename = "accountId", skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(rename = "type")]
    pub resource_type: &'static str,
    #[serde(rename = "ARN")]
    pub arn: String,
}

/// The default payload of an event.
pub(crate) struct Payload {
    pub request: Value,
    pub response: Value,
    pub additional: Option<Value>,
    pub resources: Vec<Resource>,
    /// Bucket of an S3 call, for the TLS host header.
    pub bucket: Option<String>,
}

impl Payload {
    fn request(request: Value) -> Self {
        Payload {
            request,
            response: Value::Null,
            additional: None,
            resources: Vec::new(),
            bucket: None,
        }
    }
}

/// Builds the default payload of `spec`'s API, drawing ids and sizes from
/// `rng`.
pub(crate) fn payload(spec: &EventSpec, region: Region, rng: &mut ChaCha8Rng) -> Payload {
    let scope = &spec.scope;
    let account = scope.account.as_str();
    let region_name = region.name();
    match spec.api.spec().params {
        Params::Null => Payload::request(Value::Null),
        Params::Empty => Payload::request(json!({})),
        Params::Json(text) => Payload::request(serde_json::from_str(text).unwrap_or(Value::Null)),
        Params::S3Object => s3_object(spec, region, rng),
        Params::S3Bucket(subresource) => {
            let bucket = scope.bucket();
            let mut payload = Payload::request(json!({
                subresource: "",
                "bucketName": bucket,
                "Host": format!("{bucket}.s3.{region_name}.amazonaws.com"),
            }));
            let bytes_out = rng.random_range(200..2000);
            payload.additional = Some(s3_additional(rng, 0, bytes_out));
            payload.resources = vec![bucket_resource(account, &bucket)];
            payload.bucket = Some(bucket);
            payload
        }
        Params::S3Service => {
            let mut payload = Payload::request(json!({
                "Host": format!("s3.{region_name}.amazonaws.com"),
            }));
            let bytes_out = rng.random_range(500..9000);
            payload.additional = Some(s3_additional(rng, 0, bytes_out));
            payload
        }
        Params::DynamoKey => {
            let table = scope.table();
            let mut payload = Payload::request(json!({
                "tableName": table,
                "key": { "pk": HIDDEN },
            }));
            payload.resources = vec![table_resource(account, region, &table)];
            payload
        }
        Params::DynamoQuery => {
            let table = scope.table();
            let mut payload = Payload::request(json!({
                "tableName": table,
                "keyConditionExpression": "pk = :pk",
                "limit": 100,
            }));
            payload.resources = vec![table_resource(account, region, &table)];
            payload
        }
        Params::DynamoTable => Payload::request(json!({ "tableName": scope.table() })),
        Params::SqsReceive => Payload::request(json!({
            "queueUrl": scope.queue_url(region),
            "maxNumberOfMessages": 10,
            "waitTimeSeconds": 20,
        })),
        Params::SqsSend => {
            let mut payload = Payload::request(json!({
                "queueUrl": scope.queue_url(region),
                "messageBody": HIDDEN,
            }));
            payload.response = json!({
                "mD5OfMessageBody": ids::hex_digits(32, rng.random()),
                "messageId": ids::uuid(rng),
            });
            payload
        }
        Params::SqsQueue => Payload::request(json!({
            "queueUrl": scope.queue_url(region),
            "receiptHandle": HIDDEN,
        })),
        Params::KmsDecrypt => {
            let key = scope.kms_key_arn(region);
            let mut payload = Payload::request(json!({
                "encryptionAlgorithm": "SYMMETRIC_DEFAULT",
            }));
            payload.resources = vec![key_resource(account, key)];
            payload
        }
        Params::KmsDataKey => {
            let key = scope.kms_key_arn(region);
            let mut payload = Payload::request(json!({
                "keyId": key,
                "keySpec": "AES_256",
            }));
            payload.resources = vec![key_resource(account, key)];
            payload
        }
        Params::KmsKey => Payload::request(json!({ "keyId": format!("alias/{}", scope.stem) })),
        Params::Secret => Payload::request(json!({ "secretId": scope.secret_arn(region) })),
        Params::Parameter => Payload::request(json!({
            "name": format!("/{}/{}/config", scope.environment, scope.stem),
            "withDecryption": true,
        })),
        Params::Model => Payload::request(json!({ "modelId": scope.model })),
        Params::KnowledgeBase => Payload::request(json!({
            "knowledgeBaseId": ids::aws_unique_id("", 10, hash_text(scope.stem)),
            "retrievalQuery": HIDDEN,
        })),
        Params::AssumeRole | Params::WebIdentity => {
            let mut payload = Payload::request(Value::Null);
            let role_arn = spec
                .request
                .as_ref()
                .and_then(|request| request.get("roleArn"))
                .and_then(Value::as_str);
            if let Some(role_arn) = role_arn {
                payload.resources = vec![role_resource(account, role_arn.to_owned())];
            }
            payload
        }
        Params::Stack => Payload::request(json!({
            "stackName": format!("{}-{}", scope.stem, scope.environment),
        })),
        Params::ChangeSet => change_set(spec),
        Params::EcrRepository => Payload::request(json!({
            "repositoryName": scope.stem,
            "registryId": account,
        })),
        Params::EcrImage => Payload::request(json!({
            "repositoryName": scope.stem,
            "registryId": account,
            "imageTag": image_tag(scope),
            "imageManifestMediaType": "application/vnd.docker.distribution.manifest.v2+json",
        })),
        Params::Function => Payload::request(json!({ "functionName": scope.function })),
        Params::FunctionCode => Payload::request(json!({
            "functionName": scope.function,
            "imageUri": format!(
                "{account}.dkr.ecr.{region_name}.amazonaws.com/{}:{}",
                scope.stem,
                image_tag(scope)
            ),
            "publish": false,
            "dryRun": false,
        })),
        // The `role` parameter is where iam:PassRole shows: CloudTrail has no
        // event of its own for PassRole.
        Params::FunctionConfiguration => Payload::request(json!({
            "functionName": scope.function,
            "role": format!("arn:aws:iam::{account}:role/{}-execution-role", scope.function),
            "timeout": 30,
            "memorySize": 512,
        })),
        Params::OwnRole => Payload::request(json!({ "roleName": scope.own_name })),
        Params::OwnUser => Payload::request(json!({ "userName": scope.own_name })),
        Params::Instances if spec.api == Api::SsmStartSession => {
            Payload::request(json!({ "target": scope.instance_id() }))
        }
        Params::Instances => Payload::request(json!({
            "instancesSet": { "items": [{ "instanceId": scope.instance_id() }] },
        })),
        Params::Trail if spec.api == Api::TrailGetTrailStatus => {
            Payload::request(json!({ "name": TRAIL_NAME }))
        }
        Params::Trail => Payload::request(json!({ "name": scope.trail_arn() })),
        Params::LogGroup => Payload::request(json!({
            "logGroupName": format!("/aws/lambda/{}", scope.function),
            "startTime": spec.time_ms - clock::MS_PER_HOUR,
            "endTime": spec.time_ms,
            "interleaved": true,
        })),
        Params::MetricData => Payload::request(json!({
            "startTime": clock::response_time(spec.time_ms - 10 * clock::MS_PER_MINUTE),
            "endTime": clock::response_time(spec.time_ms),
            "scanBy": "TimestampDescending",
        })),
        Params::AthenaQuery => {
            let mut payload = Payload::request(json!({
                "queryString": format!(
                    "SELECT customer_id, sum(amount) FROM {stem}_db.events WHERE dt = current_date - interval '1' day GROUP BY 1",
                    stem = scope.stem
                ),
                "queryExecutionContext": { "database": format!("{}_db", scope.stem) },
                "workGroup": "primary",
            }));
            payload.response = json!({ "queryExecutionId": ids::uuid(rng) });
            payload
        }
        Params::AthenaExecution => Payload::request(json!({ "queryExecutionId": ids::uuid(rng) })),
        Params::GlueTable => Payload::request(json!({
            "databaseName": format!("{}_db", scope.stem),
            "name": "events",
        })),
    }
}

fn s3_object(spec: &EventSpec, region: Region, rng: &mut ChaCha8Rng) -> Payload {
    let scope = &spec.scope;
    let bucket = scope.bucket();
    let date = clock::date_folder(spec.time_ms);
    let key = format!(
        "{}/{date}/{}.json.gz",
        scope.stem,
        ids::hex_digits(12, rng.random())
    );
    let upload = spec.api == Api::S3PutObject;
    let size = rng.random_range(400..400_000);
    let (bytes_in, bytes_out) = if upload { (size, 0) } else { (0, size) };
    let response = if upload {
        json!({ "x-amz-server-side-encryption": "AES256" })
    } else {
        Value::Null
    };
    Payload {
        request: json!({
            "bucketName": bucket,
            "Host": format!("{bucket}.s3.{}.amazonaws.com", region.name()),
            "key": key,
        }),
        response,
        additional: Some(s3_additional(rng, bytes_in, bytes_out)),
        resources: vec![
            Resource {
                account_id: None,
                resource_type: "AWS::S3::Object",
                arn: format!("arn:aws:s3:::{bucket}/{key}"),
            },
            bucket_resource(&scope.account, &bucket),
        ],
        bucket: Some(bucket),
    }
}

fn s3_additional(rng: &mut ChaCha8Rng, bytes_in: u32, bytes_out: u32) -> Value {
    json!({
        "SignatureVersion": "SigV4",
        "CipherSuite": "TLS_AES_128_GCM_SHA256",
        "bytesTransferredIn": bytes_in,
        "AuthenticationMethod": "AuthHeader",
        "x-amz-id-2": ids::base64_token(rng, 56),
        "bytesTransferredOut": bytes_out,
    })
}

fn bucket_resource(account: &str, bucket: &str) -> Resource {
    Resource {
        account_id: Some(account.to_owned()),
        resource_type: "AWS::S3::Bucket",
        arn: format!("arn:aws:s3:::{bucket}"),
    }
}

fn table_resource(account: &str, region: Region, table: &str) -> Resource {
    Resource {
        account_id: Some(account.to_owned()),
        resource_type: "AWS::DynamoDB::Table",
        arn: format!("arn:aws:dynamodb:{}:{account}:table/{table}", region.name()),
    }
}

fn key_resource(account: &str, key: String) -> Resource {
    Resource {
        account_id: Some(account.to_owned()),
        resource_type: "AWS::KMS::Key",
        arn: key,
    }
}

fn role_resource(account: &str, role_arn: String) -> Resource {
    Resource {
        account_id: Some(account.to_owned()),
        resource_type: "AWS::IAM::Role",
        arn: role_arn,
    }
}

/// Image tag of a CI run: one per run, shared by its ECR and Lambda calls.
fn image_tag(scope: &Scope) -> String {
    let hash = derive(
        u64::from(scope.variant),
        Stream::InstanceId,
        &[hash_text(&scope.function)],
    );
    format!("sha-{}", ids::hex_digits(7, hash))
}

fn change_set(spec: &EventSpec) -> Payload {
    let scope = &spec.scope;
    let stack = format!("{}-{}", scope.stem, scope.environment);
    let change_set = format!(
        "awscli-cloudformation-package-deploy-{}",
        1_767_000_000 + u64::from(scope.variant)
    );
    let request = if spec.api == Api::CfnCreateChangeSet {
        json!({
            "stackName": stack,
            "templateURL": format!("https://s3.amazonaws.com/{}/{}.template", scope.bucket(), ids::hex_digits(32, u64::from(scope.variant))),
            "capabilities": ["CAPABILITY_IAM"],
            "changeSetName": change_set,
            "changeSetType": "UPDATE",
        })
    } else {
        json!({ "stackName": stack, "changeSetName": change_set })
    };
    Payload::request(request)
}

/// Returns the resource an AccessDenied message names for a JSON-protocol
/// service.
pub(crate) fn denied_resource(spec: &EventSpec) -> String {
    let account = &spec.scope.account;
    match spec.api.spec().service {
        "iam" => match &spec.principal {
            Principal::IamUser { user_name, .. } => {
                format!("arn:aws:iam::{account}:user/{user_name}")
            }
            _ => format!("arn:aws:iam::{account}:role/*"),
        },
        "secretsmanager" if spec.api == Api::SecretsGetSecretValue => {
            spec.scope.secret_arn(spec.region)
        }
        "cloudtrail" => spec.scope.trail_arn(),
        service => format!("arn:aws:{service}:{}:{account}:*", spec.region.name()),
    }
}
