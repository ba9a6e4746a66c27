//! The AWS API calls the simulator emits, with the CloudTrail facts of each:
//! event source, event name, read-only flag, management or data event, and
//! the shape of its `requestParameters`.

/// Whether CloudTrail records the call as a management or a data event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Category {
    Management,
    /// Object- and item-level calls, recorded only by trails with data
    /// events switched on.
    Data,
}

/// The shape of a call's `requestParameters`, filled in by
/// [`crate::params`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Params {
    Null,
    Empty,
    /// A fixed JSON object.
    Json(&'static str),
    S3Object,
    S3Bucket(&'static str),
    S3Service,
    DynamoKey,
    DynamoQuery,
    DynamoTable,
    SqsReceive,
    SqsSend,
    SqsQueue,
    KmsDecrypt,
    KmsDataKey,
    KmsKey,
    Secret,
    Parameter,
    Model,
    KnowledgeBase,
    AssumeRole,
    WebIdentity,
    Stack,
    ChangeSet,
    EcrRepository,
    EcrImage,
    Function,
    FunctionCode,
    FunctionConfiguration,
    OwnRole,
    OwnUser,
    Instances,
    Trail,
    LogGroup,
    MetricData,
    AthenaQuery,
    AthenaExecution,
    GlueTable,
}

/// CloudTrail facts of one API.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ApiSpec {
    /// First label of the event source: `s3` for `s3.amazonaws.com`.
    pub service: &'static str,
    pub name: &'static str,
    pub read_only: bool,
    pub category: Category,
    pub params: Params,
}

macro_rules! apis {
    ($($variant:ident => ($service:literal, $name:literal, $read_only:literal, $category:ident, $params:expr)),* $(,)?) => {
        /// An AWS API call.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
        pub(crate) enum Api {
            $($variant),*
        }

        impl Api {
            pub(crate) fn spec(self) -> ApiSpec {
                match self {
                    $(Api::$variant => ApiSpec {
                        service: $service,
                        name: $name,
                        read_only: $read_only,
                        category: Category::$category,
                        params: $params,
                    }),*
                }
            }
        }
    };
}

apis! {
    S3GetObject => ("s3", "GetObject", true, Data, Params::S3Object),
    S3PutObject => ("s3", "PutObject", false, Data, Params::S3Object),
    DynamoGetItem => ("dynamodb", "GetItem", true, Data, Params::DynamoKey),
    DynamoPutItem => ("dynamodb", "PutItem", false, Data, Params::DynamoKey),
    DynamoQuery => ("dynamodb", "Query", true, Data, Params::DynamoQuery),
    SqsReceiveMessage => ("sqs", "ReceiveMessage", true, Data, Params::SqsReceive),
    SqsSendMessage => ("sqs", "SendMessage", false, Data, Params::SqsSend),
    SqsDeleteMessage => ("sqs", "DeleteMessage", false, Data, Params::SqsQueue),
    KmsDecrypt => ("kms", "Decrypt", true, Management, Params::KmsDecrypt),
    KmsGenerateDataKey => ("kms", "GenerateDataKey", true, Management, Params::KmsDataKey),
    SecretsGetSecretValue => ("secretsmanager", "GetSecretValue", true, Management, Params::Secret),
    SsmGetParameter => ("ssm", "GetParameter", true, Management, Params::Parameter),
    BedrockInvokeModel => ("bedrock", "InvokeModel", true, Management, Params::Model),
    BedrockRetrieve => ("bedrock", "Retrieve", true, Management, Params::KnowledgeBase),
    StsGetCallerIdentity => ("sts", "GetCallerIdentity", true, Management, Params::Null),
    StsAssumeRole => ("sts", "AssumeRole", true, Management, Params::AssumeRole),
    StsAssumeRoleWithWebIdentity => ("sts", "AssumeRoleWithWebIdentity", true, Management, Params::WebIdentity),
    ConsoleLogin => ("signin", "ConsoleLogin", false, Management, Params::Null),
    CfnDescribeStacks => ("cloudformation", "DescribeStacks", true, Management, Params::Stack),
    CfnDescribeStackEvents => ("cloudformation", "DescribeStackEvents", true, Management, Params::Stack),
    CfnCreateChangeSet => ("cloudformation", "CreateChangeSet", false, Management, Params::ChangeSet),
    CfnDescribeChangeSet => ("cloudformation", "DescribeChangeSet", true, Management, Params::ChangeSet),
    CfnExecuteChangeSet => ("cloudformation", "ExecuteChangeSet", false, Management, Params::ChangeSet),
    EcrGetAuthorizationToken => ("ecr", "GetAuthorizationToken", true, Management, Params::Empty),
    EcrBatchCheckLayerAvailability => ("ecr", "BatchCheckLayerAvailability", true, Management, Params::EcrRepository),
    EcrInitiateLayerUpload => ("ecr", "InitiateLayerUpload", false, Management, Params::EcrRepository),
    EcrCompleteLayerUpload => ("ecr", "CompleteLayerUpload", false, Management, Params::EcrRepository),
    EcrPutImage => ("ecr", "PutImage", false, Management, Params::EcrImage),
    LambdaGetFunction => ("lambda", "GetFunction20150331v2", true, Management, Params::Function),
    LambdaUpdateFunctionCode => ("lambda", "UpdateFunctionCode20150331v2", false, Management, Params::FunctionCode),
    LambdaUpdateFunctionConfiguration => ("lambda", "UpdateFunctionConfiguration20150331v2", false, Management, Params::FunctionConfiguration),
    LambdaPublishVersion => ("lambda", "PublishVersion20150331", false, Management, Params::Function),
    LambdaListFunctions => ("lambda", "ListFunctions20150331", true, Management, Params::Null),
    IamGetRole => ("iam", "GetRole", true, Management, Params::OwnRole),
    IamListRoles => ("iam", "ListRoles", true, Management, Params::Null),
    IamListRolePolicies => ("iam", "ListRolePolicies", true, Management, Params::OwnRole),
    IamListAttachedRolePolicies => ("iam", "ListAttachedRolePolicies", true, Management, Params::OwnRole),
    IamListUsers => ("iam", "ListUsers", true, Management, Params::Null),
    IamGetUser => ("iam", "GetUser", true, Management, Params::OwnUser),
    IamListAttachedUserPolicies => ("iam", "ListAttachedUserPolicies", true, Management, Params::OwnUser),
    IamListAccessKeys => ("iam", "ListAccessKeys", true, Management, Params::OwnUser),
    IamListPolicies => ("iam", "ListPolicies", true, Management, Params::Json(r#"{"scope":"Local","onlyAttached":false}"#)),
    IamListGroups => ("iam", "ListGroups", true, Management, Params::Null),
    IamGetAccountSummary => ("iam", "GetAccountSummary", true, Management, Params::Null),
    IamGetAccountAuthorizationDetails => ("iam", "GetAccountAuthorizationDetails", true, Management, Params::Null),
    IamAttachUserPolicy => ("iam", "AttachUserPolicy", false, Management, Params::OwnUser),
    IamCreatePolicyVersion => ("iam", "CreatePolicyVersion", false, Management, Params::Null),
    IamCreateAccessKey => ("iam", "CreateAccessKey", false, Management, Params::OwnUser),
    S3ListBuckets => ("s3", "ListBuckets", true, Management, Params::S3Service),
    S3GetBucketPolicy => ("s3", "GetBucketPolicy", true, Management, Params::S3Bucket("policy")),
    S3GetBucketAcl => ("s3", "GetBucketAcl", true, Management, Params::S3Bucket("acl")),
    S3GetBucketLocation => ("s3", "GetBucketLocation", true, Management, Params::S3Bucket("location")),
    S3GetBucketEncryption => ("s3", "GetBucketEncryption", true, Management, Params::S3Bucket("encryption")),
    S3GetBucketVersioning => ("s3", "GetBucketVersioning", true, Management, Params::S3Bucket("versioning")),
    Ec2DescribeInstances => ("ec2", "DescribeInstances", true, Management, Params::Json(r#"{"instancesSet":{},"filterSet":{}}"#)),
    Ec2DescribeRegions => ("ec2", "DescribeRegions", true, Management, Params::Json(r#"{"regionSet":{}}"#)),
    Ec2DescribeVpcs => ("ec2", "DescribeVpcs", true, Management, Params::Json(r#"{"vpcSet":{},"filterSet":{}}"#)),
    Ec2DescribeSubnets => ("ec2", "DescribeSubnets", true, Management, Params::Json(r#"{"subnetSet":{},"filterSet":{}}"#)),
    Ec2DescribeSecurityGroups => ("ec2", "DescribeSecurityGroups", true, Management, Params::Json(r#"{"securityGroupSet":{},"securityGroupIdSet":{},"filterSet":{}}"#)),
    Ec2DescribeVolumes => ("ec2", "DescribeVolumes", true, Management, Params::Json(r#"{"volumeSet":{},"filterSet":{}}"#)),
    Ec2DescribeSnapshots => ("ec2", "DescribeSnapshots", true, Management, Params::Json(r#"{"snapshotSet":{},"ownersSet":{"items":[{"owner":"self"}]},"restorableBySet":{},"filterSet":{}}"#)),
    Ec2DescribeImages => ("ec2", "DescribeImages", true, Management, Params::Json(r#"{"executableBySet":{},"imagesSet":{},"ownersSet":{"items":[{"owner":"self"}]},"filterSet":{}}"#)),
    Ec2DescribeKeyPairs => ("ec2", "DescribeKeyPairs", true, Management, Params::Json(r#"{"keySet":{},"filterSet":{}}"#)),
    Ec2DescribeAddresses => ("ec2", "DescribeAddresses", true, Management, Params::Json(r#"{"publicIpsSet":{},"allocationIdsSet":{},"filterSet":{}}"#)),
    Ec2DescribeInstanceStatus => ("ec2", "DescribeInstanceStatus", true, Management, Params::Instances),
    Ec2StartInstances => ("ec2", "StartInstances", false, Management, Params::Instances),
    Ec2StopInstances => ("ec2", "StopInstances", false, Management, Params::Instances),
    TrailDescribeTrails => ("cloudtrail", "DescribeTrails", true, Management, Params::Json(r#"{"includeShadowTrails":true}"#)),
    TrailGetTrailStatus => ("cloudtrail", "GetTrailStatus", true, Management, Params::Trail),
    TrailGetEventSelectors => ("cloudtrail", "GetEventSelectors", true, Management, Params::Trail),
    TrailLookupEvents => ("cloudtrail", "LookupEvents", true, Management, Params::Json(r#"{"maxResults":50}"#)),
    TrailStopLogging => ("cloudtrail", "StopLogging", false, Management, Params::Trail),
    TrailDeleteTrail => ("cloudtrail", "DeleteTrail", false, Management, Params::Trail),
    TrailPutEventSelectors => ("cloudtrail", "PutEventSelectors", false, Management, Params::Trail),
    CloudWatchGetMetricData => ("monitoring", "GetMetricData", true, Management, Params::MetricData),
    CloudWatchListMetrics => ("monitoring", "ListMetrics", true, Management, Params::Json(r#"{"namespace":"AWS/EC2"}"#)),
    CloudWatchDescribeAlarms => ("monitoring", "DescribeAlarms", true, Management, Params::Json(r#"{"maxRecords":100}"#)),
    LogsDescribeLogGroups => ("logs", "DescribeLogGroups", true, Management, Params::Json(r#"{"limit":50}"#)),
    LogsFilterLogEvents => ("logs", "FilterLogEvents", true, Management, Params::LogGroup),
    SecretsListSecrets => ("secretsmanager", "ListSecrets", true, Management, Params::Null),
    SecretsDescribeSecret => ("secretsmanager", "DescribeSecret", true, Management, Params::Secret),
    KmsListKeys => ("kms", "ListKeys", true, Management, Params::Null),
    KmsListAliases => ("kms", "ListAliases", true, Management, Params::Null),
    KmsDescribeKey => ("kms", "DescribeKey", true, Management, Params::KmsKey),
    RdsDescribeDbInstances => ("rds", "DescribeDBInstances", true, Management, Params::Null),
    RdsDescribeDbSnapshots => ("rds", "DescribeDBSnapshots", true, Management, Params::Null),
    SnsListTopics => ("sns", "ListTopics", true, Management, Params::Null),
    SqsListQueues => ("sqs", "ListQueues", true, Management, Params::Null),
    DynamoListTables => ("dynamodb", "ListTables", true, Management, Params::Null),
    DynamoDescribeTable => ("dynamodb", "DescribeTable", true, Management, Params::DynamoTable),
    OrganizationsDescribeOrganization => ("organizations", "DescribeOrganization", true, Management, Params::Null),
    OrganizationsListAccounts => ("organizations", "ListAccounts", true, Management, Params::Null),
    GuardDutyListDetectors => ("guardduty", "ListDetectors", true, Management, Params::Null),
    ConfigDescribeConfigRules => ("config", "DescribeConfigRules", true, Management, Params::Null),
    EcsListClusters => ("ecs", "ListClusters", true, Management, Params::Null),
    EcsDescribeServices => ("ecs", "DescribeServices", true, Management, Params::Json(r#"{"cluster":"default","services":["web"]}"#)),
    SsmDescribeInstanceInformation => ("ssm", "DescribeInstanceInformation", true, Management, Params::Null),
    SsmStartSession => ("ssm", "StartSession", false, Management, Params::Instances),
    AthenaStartQueryExecution => ("athena", "StartQueryExecution", false, Management, Params::AthenaQuery),
    AthenaGetQueryExecution => ("athena", "GetQueryExecution", true, Management, Params::AthenaExecution),
    AthenaGetQueryResults => ("athena", "GetQueryResults", true, Management, Params::AthenaExecution),
    GlueGetTable => ("glue", "GetTable", true, Management, Params::GlueTable),
    TaggingGetResources => ("tagging", "GetResources", true, Management, Params::Json(r#"{"resourcesPerPage":100}"#)),
}

impl Api {
    /// Returns the CloudTrail `eventSource`.
    pub(crate) fn event_source(self) -> &'static str {
        match self.spec().service {
            "s3" => "s3.amazonaws.com",
            "dynamodb" => "dynamodb.amazonaws.com",
            "sqs" => "sqs.amazonaws.com",
            "kms" => "kms.amazonaws.com",
            "secretsmanager" => "secretsmanager.amazonaws.com",
            "ssm" => "ssm.amazonaws.com",
            "bedrock" => "bedrock.amazonaws.com",
            "sts" => "sts.amazonaws.com",
            "signin" => "signin.amazonaws.com",
            "cloudformation" => "cloudformation.amazonaws.com",
            "ecr" => "ecr.amazonaws.com",
            "lambda" => "lambda.amazonaws.com",
            "iam" => "iam.amazonaws.com",
            "ec2" => "ec2.amazonaws.com",
            "cloudtrail" => "cloudtrail.amazonaws.com",
            "monitoring" => "monitoring.amazonaws.com",
            "logs" => "logs.amazonaws.com",
            "rds" => "rds.amazonaws.com",
            "sns" => "sns.amazonaws.com",
            "organizations" => "organizations.amazonaws.com",
            "guardduty" => "guardduty.amazonaws.com",
            "config" => "config.amazonaws.com",
            "ecs" => "ecs.amazonaws.com",
            "athena" => "athena.amazonaws.com",
            "glue" => "glue.amazonaws.com",
            _ => "tagging.amazonaws.com",
        }
    }

    /// Returns the service name the AWS CLI and SDK user agents use.
    pub(crate) fn sdk_service(self) -> &'static str {
        match self.spec().service {
            "monitoring" => "cloudwatch",
            "tagging" => "resourcegroupstaggingapi",
            "bedrock" if self == Api::BedrockInvokeModel => "bedrock-runtime",
            "bedrock" => "bedrock-agent-runtime",
            service => service,
        }
    }

    /// True for services whose calls CloudTrail records in us-east-1
    /// whatever region the caller uses.
    pub(crate) fn is_global(self) -> bool {
        matches!(self.spec().service, "iam" | "organizations" | "signin")
    }

    /// Returns the `clientProvidedHostHeader` of `tlsDetails`. `bucket` is
    /// used by object- and bucket-level S3 calls.
    pub(crate) fn host(self, region: &str, bucket: Option<&str>) -> String {
        let spec = self.spec();
        match spec.service {
            "iam" => "iam.amazonaws.com".to_owned(),
            "organizations" => "organizations.us-east-1.amazonaws.com".to_owned(),
            "signin" => "signin.aws.amazon.com".to_owned(),
            "s3" => match bucket {
                Some(bucket) => format!("{bucket}.s3.{region}.amazonaws.com"),
                None => format!("s3.{region}.amazonaws.com"),
            },
            "ecr" => format!("api.ecr.{region}.amazonaws.com"),
            "bedrock" => format!("{}.{region}.amazonaws.com", self.sdk_service()),
            service => format!("{service}.{region}.amazonaws.com"),
        }
    }
}

/// Read-only calls that discovery scripts walk through, one per line of an
/// attacker's "what can this key do" loop.
pub(crate) const DISCOVERY: [Api; 44] = [
    Api::IamListUsers,
    Api::IamListRoles,
    Api::IamListPolicies,
    Api::IamListGroups,
    Api::IamGetAccountSummary,
    Api::IamGetAccountAuthorizationDetails,
    Api::IamListAccessKeys,
    Api::IamListAttachedUserPolicies,
    Api::IamListAttachedRolePolicies,
    Api::IamListRolePolicies,
    Api::IamGetRole,
    Api::S3ListBuckets,
    Api::S3GetBucketPolicy,
    Api::S3GetBucketAcl,
    Api::S3GetBucketLocation,
    Api::S3GetBucketEncryption,
    Api::S3GetBucketVersioning,
    Api::Ec2DescribeInstances,
    Api::Ec2DescribeRegions,
    Api::Ec2DescribeVpcs,
    Api::Ec2DescribeSubnets,
    Api::Ec2DescribeSecurityGroups,
    Api::Ec2DescribeVolumes,
    Api::Ec2DescribeSnapshots,
    Api::Ec2DescribeImages,
    Api::Ec2DescribeKeyPairs,
    Api::Ec2DescribeAddresses,
    Api::TrailDescribeTrails,
    Api::TrailGetTrailStatus,
    Api::LambdaListFunctions,
    Api::SecretsListSecrets,
    Api::KmsListKeys,
    Api::KmsListAliases,
    Api::RdsDescribeDbInstances,
    Api::RdsDescribeDbSnapshots,
    Api::SnsListTopics,
    Api::SqsListQueues,
    Api::DynamoListTables,
    Api::OrganizationsDescribeOrganization,
    Api::OrganizationsListAccounts,
    Api::GuardDutyListDetectors,
    Api::ConfigDescribeConfigRules,
    Api::EcsListClusters,
    Api::LogsDescribeLogGroups,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_calls_are_distinct_reads() {
        let mut names: Vec<_> = DISCOVERY
            .iter()
            .map(|api| (api.event_source(), api.spec().name))
            .collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), DISCOVERY.len());
        for api in DISCOVERY {
            let spec = api.spec();
            assert!(spec.read_only, "{}", spec.name);
            assert!(
                ["List", "Describe", "Get"]
                    .iter()
                    .any(|prefix| spec.name.starts_with(prefix)),
                "{}",
                spec.name
            );
        }
    }
}
