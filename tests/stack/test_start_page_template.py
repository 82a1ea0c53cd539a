"""template.yaml hosts the start page as CONTRACT §11 says: a private bucket read by the
distribution only, /v1/* to the register API on the same origin, strict headers, and a
publication that needs no hand."""

from __future__ import annotations

from typing import Any

from periodyear_local.sandbox import NOT_PROVISIONED
from periodyear_local.template import load_template

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self' https://cognito-idp.${AWS::Region}.amazonaws.com "
    "https://${InvoiceDocumentsBucket}.s3.amazonaws.com "
    "https://${InvoiceDocumentsBucket}.s3.${AWS::Region}.amazonaws.com; "
    "manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"]
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
DISTRIBUTION_ARN = {
    "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${StartPageDistribution}"
}


def resource(name: str) -> dict[str, Any]:
    found: dict[str, Any] = load_template()["Resources"][name]
    return found


def distribution() -> dict[str, Any]:
    config: dict[str, Any] = resource("StartPageDistribution")["Properties"]["DistributionConfig"]
    return config


def test_the_page_bucket_is_private_and_read_only_by_the_distribution() -> None:
    bucket = resource("StartPageBucket")["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0][
        "ServerSideEncryptionByDefault"
    ] == {"SSEAlgorithm": "AES256"}
    assert "WebsiteConfiguration" not in bucket
    policy = resource("StartPageBucketPolicy")["Properties"]
    assert policy["Bucket"] == {"Ref": "StartPageBucket"}
    allows = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert allows == [
        {
            "Sid": "TheDistributionReadsTheFiles",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": {"Fn::Sub": "${StartPageBucket.Arn}/*"},
            "Condition": {"StringEquals": {"AWS:SourceArn": DISTRIBUTION_ARN}},
        }
    ]
    (deny,) = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    access = resource("StartPageOriginAccessControl")["Properties"]["OriginAccessControlConfig"]
    assert (
        access["OriginAccessControlOriginType"],
        access["SigningBehavior"],
        access["SigningProtocol"],
    ) == (
        "s3",
        "always",
        "sigv4",
    )


def test_the_distribution_serves_the_page_and_routes_v1_to_the_api_on_one_origin() -> None:
    config = distribution()
    assert (config["DefaultRootObject"], config["HttpVersion"], config["PriceClass"]) == (
        "index.html",
        "http2and3",
        "PriceClass_100",
    )
    origins = {o["Id"]: o for o in config["Origins"]}
    assert origins["site"]["DomainName"] == {"Fn::GetAtt": ["StartPageBucket", "RegionalDomainName"]}
    assert origins["site"]["OriginAccessControlId"] == {"Fn::GetAtt": ["StartPageOriginAccessControl", "Id"]}
    assert origins["site"]["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # OAC, no legacy identity
    api = origins["register-api"]
    assert api["DomainName"] == {"Fn::Sub": "${RegisterApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"}
    assert api["CustomOriginConfig"] == {
        "OriginProtocolPolicy": "https-only",
        "OriginSSLProtocols": ["TLSv1.2"],
    }
    default = config["DefaultCacheBehavior"]
    assert (default["TargetOriginId"], default["ViewerProtocolPolicy"], default["Compress"]) == (
        "site",
        "redirect-to-https",
        True,
    )
    assert default["CachePolicyId"] == {"Ref": "StartPageCachePolicy"}
    (v1,) = config["CacheBehaviors"]
    assert (v1["PathPattern"], v1["TargetOriginId"], v1["ViewerProtocolPolicy"]) == (
        "/v1/*",
        "register-api",
        "https-only",
    )
    assert v1["AllowedMethods"] == ALL_METHODS
    # Nothing of the API is cached, and the Authorization header reaches its JWT authorizer.
    assert (v1["CachePolicyId"], v1["OriginRequestPolicyId"]) == (CACHING_DISABLED, ALL_VIEWER_EXCEPT_HOST)
    for behaviour in (default, v1):
        assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "StartPageHeaders"}


def test_the_files_are_revalidated_by_browsers_and_kept_at_the_edges_until_the_next_publication() -> None:
    policy = resource("StartPageCachePolicy")["Properties"]["CachePolicyConfig"]
    # Above 0, the edges keep the files despite their Cache-Control: no-cache; a publication
    # invalidates them.
    assert policy["MinTTL"] > 0
    assert policy["MinTTL"] <= policy["DefaultTTL"] <= policy["MaxTTL"]
    key = policy["ParametersInCacheKeyAndForwardedToOrigin"]
    assert (key["EnableAcceptEncodingGzip"], key["EnableAcceptEncodingBrotli"]) == (True, True)
    assert (
        key["HeadersConfig"]["HeaderBehavior"],
        key["CookiesConfig"]["CookieBehavior"],
        key["QueryStringsConfig"]["QueryStringBehavior"],
    ) == ("none", "none", "none")


def test_the_page_has_a_strict_content_security_policy_and_the_security_headers() -> None:
    headers = resource("StartPageHeaders")["Properties"]["ResponseHeadersPolicyConfig"][
        "SecurityHeadersConfig"
    ]
    csp = headers["ContentSecurityPolicy"]
    assert csp["Override"] is True
    assert csp["ContentSecurityPolicy"] == {"Fn::Sub": CSP}
    assert "unsafe" not in CSP
    assert headers["StrictTransportSecurity"] == {
        "Override": True,
        "AccessControlMaxAgeSec": 63072000,
        "IncludeSubdomains": True,
    }
    assert headers["ContentTypeOptions"] == {"Override": True}
    assert headers["FrameOptions"] == {"Override": True, "FrameOption": "DENY"}
    assert headers["ReferrerPolicy"] == {"Override": True, "ReferrerPolicy": "no-referrer"}


def test_its_own_domain_gets_tls_1_2_at_least_and_is_named_everywhere_the_origin_is() -> None:
    config = distribution()
    assert config["Aliases"] == {
        "Fn::If": ["HasStartPageCertificate", [{"Ref": "StartPageDomain"}], {"Ref": "AWS::NoValue"}]
    }
    condition, own, default = config["ViewerCertificate"]["Fn::If"]
    assert condition == "HasStartPageCertificate"
    assert own["MinimumProtocolVersion"] == "TLSv1.2_2021"
    assert (own["AcmCertificateArn"], own["SslSupportMethod"]) == (
        {"Ref": "StartPageCertificateArn"},
        "sni-only",
    )
    assert default == {"CloudFrontDefaultCertificate": True}
    rules = load_template()["Rules"]
    assert set(rules) == {"StartPageDomainHasACertificate", "StartPageCertificateHasADomain"}
    url = load_template()["Outputs"]["StartPageUrl"]["Value"]
    assert url == {
        "Fn::If": [
            "HasStartPageDomain",
            {"Fn::Sub": "https://${StartPageDomain}/"},
            {"Fn::Sub": "https://${StartPageDistribution.DomainName}/"},
        ]
    }
    for function in ("DeliverInvoiceFunction", "CollectOutcomesFunction"):  # the invoice e-mails' link
        variable = resource(function)["Properties"]["Environment"]["Variables"]["START_PAGE_URL"]
        assert variable == {"Fn::If": ["HasStartPageUrl", {"Ref": "StartPageUrl"}, url]}


def test_the_documents_bucket_lets_the_page_read_a_presigned_document() -> None:
    (rule,) = resource("InvoiceDocumentsBucket")["Properties"]["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedMethods"] == ["GET", "HEAD"]
    assert rule["AllowedOrigins"] == [
        {
            "Fn::If": [
                "HasStartPageDomain",
                {"Fn::Sub": "https://${StartPageDomain}"},
                "https://*.cloudfront.net",
            ]
        }
    ]
    assert "AllowedHeaders" not in rule  # a plain GET: the bearer token never goes to S3


def test_the_page_signs_in_with_the_register_client_and_short_lived_revocable_tokens() -> None:
    client = resource("RegisterAppClient")["Properties"]
    assert set(client["ExplicitAuthFlows"]) == {
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    }
    assert client["EnableTokenRevocation"] is True
    assert client["GenerateSecret"] is False  # a browser keeps no secret
    units = client["TokenValidityUnits"]
    assert (client["IdTokenValidity"], units["IdToken"]) == (1, "hours")
    assert (client["AccessTokenValidity"], units["AccessToken"]) == (1, "hours")
    hours = {"hours": 1, "days": 24}[units["RefreshToken"]]
    assert client["RefreshTokenValidity"] * hours <= 30 * 24
    jwt = resource("RegisterApi")["Properties"]["Auth"]["Authorizers"]["RegisterJwt"]["JwtConfiguration"]
    assert jwt["audience"] == [{"Ref": "RegisterAppClient"}]


def test_the_publisher_may_write_only_the_page_bucket_and_invalidate_only_its_distribution() -> None:
    function = resource("PublishStartPageFunction")["Properties"]
    assert (function["CodeUri"], function["Handler"], function["AutoPublishAlias"]) == (
        "functions/publish_start_page",
        "app.handler",
        "live",
    )
    assert function["MemorySize"] <= 256
    (policy,) = function["Policies"]
    assert policy["Statement"] == [
        {
            "Sid": "SeeWhatIsPublished",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": {"Fn::GetAtt": ["StartPageBucket", "Arn"]},
        },
        {
            "Sid": "PublishAndRemoveFiles",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:DeleteObject"],
            "Resource": {"Fn::Sub": "${StartPageBucket.Arn}/*"},
        },
        {
            "Sid": "RefreshTheEdges",
            "Effect": "Allow",
            "Action": "cloudfront:CreateInvalidation",
            "Resource": DISTRIBUTION_ARN,
        },
    ]


def test_every_deploy_that_changes_the_page_publishes_it_again() -> None:
    publication = resource("StartPagePublication")
    assert publication["Type"] == "Custom::StartPagePublication"
    props = publication["Properties"]
    # The alias's ARN never changes (CloudFormation refuses a new ServiceToken); the version does,
    # with the code and the page's files, and a changed property is an Update.
    assert props["ServiceToken"] == {"Ref": "PublishStartPageFunction.Alias"}
    assert props["CodeVersion"] == {"Ref": "PublishStartPageFunction.Version"}
    assert {k: props[k] for k in ("Bucket", "DistributionId", "UserPoolId", "ClientId", "Region")} == {
        "Bucket": {"Ref": "StartPageBucket"},
        "DistributionId": {"Ref": "StartPageDistribution"},
        "UserPoolId": {"Ref": "RegisterUserPool"},
        "ClientId": {"Ref": "RegisterAppClient"},
        "Region": {"Ref": "AWS::Region"},
    }
    assert 0 < props["ServiceTimeout"] <= 900  # CloudFormation stops waiting long before its hour
    assert resource("PublishStartPageFunction")["Properties"]["Timeout"] < props["ServiceTimeout"]
    assert publication["DependsOn"] == "PublishStartPageLogGroup"


def test_the_outputs_name_the_page_and_its_bucket() -> None:
    outputs = load_template()["Outputs"]
    assert outputs["StartPageBucketName"]["Value"] == {"Ref": "StartPageBucket"}
    assert outputs["StartPageDistributionId"]["Value"] == {"Ref": "StartPageDistribution"}


def test_what_moto_cannot_host_is_named_as_left_out_of_the_local_stack() -> None:
    kinds = {r["Type"] for r in load_template()["Resources"].values()}
    assert {k for k in kinds if k.startswith(("AWS::CloudFront::", "Custom::"))} == set(NOT_PROVISIONED)
    assert all(len(reason) >= 20 for reason in NOT_PROVISIONED.values())
