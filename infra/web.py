"""The static frontend behind CloudFront, as local/site.py serves it under `make run`:
frontend/ from a private bucket (origin access control), the pretty URLs of
frontend/routes.json (a CloudFront Function generated from that file), `/api/*` to the API
(the prefix stripped), POST `/{slug}/avis` to `POST /communes/{slug}/feedback`, and the
same security headers (a ResponseHeadersPolicy).

Towards the API, CloudFront adds the stack's origin secret (a custom origin header) and
forwards the viewer's address (ADR 11); it caches the public pages' data under
`/api/communes/*` for as long as the API's Cache-Control says, at most PUBLIC_MAX_TTL, and
nothing else. With `"waf": true` a web ACL of us-east-1 guards the distribution."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Aws, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from chalicelib.api import edge
from infra import frontend, nag, waf

if TYPE_CHECKING:
    from infra.stack import ConcertoStack

_POLICY = cloudfront.HeadersReferrerPolicy
_REFERRER = {
    "strict-origin-when-cross-origin": _POLICY.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
    "no-referrer": _POLICY.NO_REFERRER,
    "same-origin": _POLICY.SAME_ORIGIN,
    "strict-origin": _POLICY.STRICT_ORIGIN,
}
HSTS_MAX_AGE = Duration.days(730)
# The longest CloudFront keeps a public answer, whatever its max-age: a settings change
# (themes, a published opinion) reaches every edge within a minute.
PUBLIC_MAX_TTL = Duration.seconds(60)
# What caches publicly: the public pages' data (the API marks it `public, max-age`).
PUBLIC_API_PATTERN = "/api/communes/*"


class Site(Construct):
    def __init__(self, scope: Construct, construct_id: str, stack: ConcertoStack) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            # Public pages only; CloudFront reads them through origin access control.
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            server_access_logs_bucket=stack.access_logs,
            server_access_logs_prefix="s3/site/",
            removal_policy=RemovalPolicy.DESTROY,
            auto_delete_objects=False,
        )
        websocket = f"{stack.websocket_api.ref}.execute-api.{Aws.REGION}.{Aws.URL_SUFFIX}"
        self.headers = frontend.security_headers(
            [f"https://cognito-idp.{Aws.REGION}.amazonaws.com", f"wss://{websocket}"]
        )
        self.function = cloudfront.Function(
            self,
            "Routes",
            function_name=stack.physical("routes"),
            comment="Pretty URLs of frontend/routes.json, /api prefix, the no-JS opinion form",
            code=cloudfront.FunctionCode.from_inline(frontend.function_code()),
            runtime=cloudfront.FunctionRuntime.JS_2_0,
        )
        viewer_request = [
            cloudfront.FunctionAssociation(
                function=self.function, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST
            )
        ]
        policy = self._headers_policy(stack)
        site_origin = origins.S3BucketOrigin.with_origin_access_control(
            self.bucket, origin_id=frontend.SITE_ORIGIN_ID
        )
        api_origin = origins.HttpOrigin(
            f"{stack.rest_api.ref}.execute-api.{Aws.REGION}.{Aws.URL_SUFFIX}",
            origin_id=frontend.API_ORIGIN_ID,
            origin_path="/api",
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
            origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
            # Resolved by CloudFormation at deploy time: never in the template (ADR 11).
            custom_headers={edge.ORIGIN_SECRET_HEADER: stack.origin_secret_reference()},
        )
        self.api_requests = self._api_request_policy(stack)
        self.private_api = self._private_api_cache_policy(stack)
        self.public_api = self._public_api_cache_policy(stack)
        dynamic = {
            "allowed_methods": cloudfront.AllowedMethods.ALLOW_ALL,
            "cache_policy": self.private_api,
            "origin_request_policy": self.api_requests,
            "viewer_protocol_policy": cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
            "function_associations": viewer_request,
            "response_headers_policy": policy,
        }
        public = {
            **dynamic,
            "cache_policy": self.public_api,
            "cached_methods": cloudfront.CachedMethods.CACHE_GET_HEAD,
        }
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"Concerto {stack.spec.key}",
            default_behavior=cloudfront.BehaviorOptions(
                origin=site_origin,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                function_associations=viewer_request,
                response_headers_policy=policy,
            ),
            # In this order: CloudFront takes the first pattern a path matches.
            additional_behaviors={
                PUBLIC_API_PATTERN: cloudfront.BehaviorOptions(origin=api_origin, **public),  # type: ignore[arg-type]
                "/api/*": cloudfront.BehaviorOptions(origin=api_origin, **dynamic),  # type: ignore[arg-type]
                # GET: the form page (S3); POST: the function sends it to the API origin.
                "/*/avis": cloudfront.BehaviorOptions(origin=site_origin, **dynamic),  # type: ignore[arg-type]
            },
            web_acl_id=(
                waf.web_acl_arn(stack, stack.spec, stack.log_group("WafReaderLogs", "waf-reader"))
                if stack.spec.waf
                else None
            ),
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            enable_logging=True,
            log_bucket=stack.access_logs,
            log_file_prefix="cloudfront/",
        )
        # A missing page is a 404 rather than S3's 403 (CloudFront may list the bucket).
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[self.bucket.bucket_arn],
                principals=[iam.ServicePrincipal("cloudfront.amazonaws.com")],
                conditions={
                    "StringEquals": {
                        "AWS:SourceArn": (
                            f"arn:{Aws.PARTITION}:cloudfront::{Aws.ACCOUNT_ID}:"
                            f"distribution/{self.distribution.distribution_id}"
                        )
                    }
                },
            )
        )
        self._acknowledge(stack.spec.waf)
        self.deployment = s3deploy.BucketDeployment(
            self,
            "Deployment",
            sources=[
                s3deploy.Source.asset(
                    str(frontend.FRONTEND), exclude=["routes.json", "**/README.md"]
                )
            ],
            destination_bucket=self.bucket,
            distribution=self.distribution,
            distribution_paths=["/*"],
            memory_limit=256,
            log_group=stack.log_group("SiteDeploymentLogs", "site-deployment"),
        )
        self._acknowledge_deployment(stack)

    def _api_request_policy(self, stack: ConcertoStack) -> cloudfront.OriginRequestPolicy:
        """What of a viewer's request reaches the API: the query string, the headers the
        API reads (chalicelib/api/edge.py; Authorization and Origin come through the cache
        policies' keys, the only way CloudFront forwards Authorization), and the viewer's
        address, which CloudFront writes itself. Never Host (API Gateway answers its own
        name only) nor cookies (the API sets none)."""
        return cloudfront.OriginRequestPolicy(
            self,
            "ApiRequests",
            origin_request_policy_name=stack.physical("api-requests"),
            comment="Query, the headers the API reads, CloudFront-Viewer-Address",
            header_behavior=cloudfront.OriginRequestHeaderBehavior.allow_list(
                *edge.FORWARDED_HEADERS
            ),
            query_string_behavior=cloudfront.OriginRequestQueryStringBehavior.all(),
            cookie_behavior=cloudfront.OriginRequestCookieBehavior.none(),
        )

    def _private_api_cache_policy(self, stack: ConcertoStack) -> cloudfront.CachePolicy:
        """The consoles, private links, submissions: nothing is kept. The API answers them
        `private, no-store` (which CloudFront obeys with a minimum TTL of 0) and the
        default TTL is 0; a maximum of 1 s, not 0, is what lets Authorization into the
        key, and so to the API. Origin too: the API's CORS answer varies on it."""
        return cloudfront.CachePolicy(
            self,
            "PrivateApi",
            cache_policy_name=stack.physical("api-private"),
            comment="Not cached (the API says no-store); forwards Authorization and Origin",
            min_ttl=Duration.seconds(0),
            default_ttl=Duration.seconds(0),
            max_ttl=Duration.seconds(1),
            header_behavior=cloudfront.CacheHeaderBehavior.allow_list(*edge.CACHE_KEY_HEADERS),
            query_string_behavior=cloudfront.CacheQueryStringBehavior.all(),
            cookie_behavior=cloudfront.CacheCookieBehavior.none(),
        )

    def _public_api_cache_policy(self, stack: ConcertoStack) -> cloudfront.CachePolicy:
        """The public pages' data (a commune's profile, barometer, indicators, published
        opinions): kept as long as the API's `max-age` says, at most PUBLIC_MAX_TTL, one
        copy per query string (pages, limits) and Origin (the API's CORS answer varies on
        it); an answer without max-age (the default TTL is 0), a POST or an error with
        `no-store` is never kept. No Authorization: no console route lives here."""
        return cloudfront.CachePolicy(
            self,
            "PublicApi",
            cache_policy_name=stack.physical("api-public"),
            comment="The public pages' data, at most 60 s, per query string and Origin",
            min_ttl=Duration.seconds(0),
            default_ttl=Duration.seconds(0),
            max_ttl=PUBLIC_MAX_TTL,
            header_behavior=cloudfront.CacheHeaderBehavior.allow_list("Origin"),
            query_string_behavior=cloudfront.CacheQueryStringBehavior.all(),
            cookie_behavior=cloudfront.CacheCookieBehavior.none(),
            enable_accept_encoding_gzip=True,
            enable_accept_encoding_brotli=True,
        )

    def _headers_policy(self, stack: ConcertoStack) -> cloudfront.ResponseHeadersPolicy:
        headers = self.headers
        if headers.get("X-Content-Type-Options") != "nosniff":
            raise ValueError("local/site.py no longer sends nosniff: update infra/site.py")
        if "frame-ancestors 'none'" not in headers["Content-Security-Policy"]:
            raise ValueError("local/site.py's CSP no longer forbids framing: update infra")
        return cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            response_headers_policy_name=stack.physical("security-headers"),
            comment="The security headers of local/site.py, and HSTS",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=headers["Content-Security-Policy"], override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=_REFERRER[headers["Referrer-Policy"]], override=True
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=HSTS_MAX_AGE,
                    include_subdomains=True,
                    preload=False,
                    override=True,
                ),
            ),
            custom_headers_behavior=cloudfront.ResponseCustomHeadersBehavior(
                custom_headers=[
                    cloudfront.ResponseCustomHeader(
                        header="Permissions-Policy",
                        value=headers["Permissions-Policy"],
                        override=True,
                    )
                ]
            ),
        )

    def _acknowledge_deployment(self, stack: Stack) -> None:
        """The upload of frontend/ is aws-cdk-lib's BucketDeployment: a custom resource
        whose function, role and policy the library writes (one per stack)."""
        handlers = [
            child
            for child in stack.node.children
            if child.node.id.startswith("Custom::CDKBucketDeployment")
        ]
        for handler in handlers:
            nag.acknowledge(
                handler,
                "AwsSolutions-L1",
                "aws-cdk-lib's BucketDeployment handler: its runtime is the one the library "
                "ships and tests with its bundled AWS CLI layer.",
            )
            nag.acknowledge(
                handler,
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AWSLambdaBasicExecutionRole]",
                "aws-cdk-lib's BucketDeployment handler writes its own logs with the AWS "
                "managed basic execution policy (logs only).",
            )
            policy = handler.node.find_child("ServiceRole").node.find_child("DefaultPolicy")
            cfn_policy = policy.node.default_child
            assert cfn_policy is not None
            nag.acknowledge_policy_wildcards(
                cfn_policy,
                "aws-cdk-lib's BucketDeployment copies the frontend/ asset from the CDK "
                "assets bucket to this stack's site bucket and invalidates the distribution "
                "(CreateInvalidation has no resource scope); the library writes the grants.",
            )

    def _acknowledge(self, with_waf: bool) -> None:
        reasons = {
            "AwsSolutions-CFR1": (
                "No geo restriction: citizens abroad (holidays, second homes, students) "
                "must reach their commune's page."
            ),
            "AwsSolutions-CFR4": (
                "The default *.cloudfront.net certificate allows TLSv1 at the viewer; with a "
                "commune's own domain name the distribution takes TLSv1.2_2021 (already set)."
            ),
        }
        if not with_waf:
            reasons["AwsSolutions-CFR2"] = (
                'No WAF for this stack (its communes did not ask for one: `"waf": true` in '
                "communes.json, about 7 dollars a month, docs/operations.md): API Gateway "
                "throttles public and console routes apart, the app limits submissions "
                "per viewer address and bodies to 64 KiB."
            )
        for rule, reason in reasons.items():
            nag.acknowledge(self.distribution, rule, reason)
