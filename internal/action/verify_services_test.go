package action

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	athenatypes "github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/aws/aws-sdk-go-v2/service/codebuild"
	cbtypes "github.com/aws/aws-sdk-go-v2/service/codebuild/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// serviceScenarios are the scenarios of the ELB, ECS, ECR, Lambda,
// CodeBuild and Athena actions.
var serviceScenarios = map[string]scenario{
	"elbv2.redirect-http-to-https": {
		setup: func(w *world) Input {
			lb, _ := w.loadBalancer(true, true)
			return w.input(map[string]any{"load_balancer_arn": lb})
		},
		undo: func(w *world, in Input, _ Result) {
			cli := elb.NewFromConfig(w.cfg)
			ls, err := cli.DescribeListeners(w.ctx, &elb.DescribeListenersInput{LoadBalancerArn: aws.String(in.String("load_balancer_arn"))})
			w.must(err)
			tgs, err := cli.DescribeTargetGroups(w.ctx, &elb.DescribeTargetGroupsInput{})
			w.must(err)
			for _, l := range ls.Listeners {
				if l.Protocol == elbtypes.ProtocolEnumHttp {
					_, err := cli.ModifyListener(w.ctx, &elb.ModifyListenerInput{ListenerArn: l.ListenerArn,
						DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tgs.TargetGroups[0].TargetGroupArn}}})
					w.must(err)
				}
			}
		},
	},
	"ecs.readonly-root-filesystem": {
		setup: func(w *world) Input {
			arn := w.taskDefinitions(2)
			return w.input(map[string]any{"task_definition": arn})
		},
		undo: func(w *world, _ Input, res Result) {
			_, err := ecs.NewFromConfig(w.cfg).DeregisterTaskDefinition(w.ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String(res.Output["new_task_definition"].(string))})
			w.must(err)
		},
	},
	"ecr.enable-scan-on-push": {
		setup: func(w *world) Input {
			_, err := ecr.NewFromConfig(w.cfg).CreateRepository(w.ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("team/api")})
			w.must(err)
			return w.input(map[string]any{"repository": "arn:aws:ecr:us-east-1:123456789012:repository/team/api"})
		},
		undo: func(w *world, _ Input, _ Result) {
			_, err := ecr.NewFromConfig(w.cfg).PutImageScanningConfiguration(w.ctx, &ecr.PutImageScanningConfigurationInput{RepositoryName: aws.String("team/api"),
				ImageScanningConfiguration: &ecrtypes.ImageScanningConfiguration{ScanOnPush: false}})
			w.must(err)
		},
	},
	"lambda.remove-public-access": {
		setup: func(w *world) Input {
			w.function("resize")
			w.permission("resize", "public", "*", "", "")
			w.permission("resize", "partner", "210987654321", "", "")
			return w.input(map[string]any{"function_name": "arn:aws:lambda:us-east-1:123456789012:function:resize"})
		},
		undo: func(w *world, _ Input, _ Result) { w.permission("resize", "public", "*", "", "") },
	},
	"codebuild.disable-privileged-mode": {
		setup: func(w *world) Input {
			w.project("build", true)
			return w.input(map[string]any{"project": "build"})
		},
		undo: func(w *world, _ Input, _ Result) {
			p, err := getProject(w.ctx, codebuild.NewFromConfig(w.cfg), "build")
			w.must(err)
			env := *p.Environment
			env.PrivilegedMode = aws.Bool(true)
			_, err = codebuild.NewFromConfig(w.cfg).UpdateProject(w.ctx, &codebuild.UpdateProjectInput{Name: aws.String("build"), Environment: &env})
			w.must(err)
		},
	},
	"athena.enable-workgroup-metrics": {
		setup: func(w *world) Input {
			_, err := athena.NewFromConfig(w.cfg).CreateWorkGroup(w.ctx, &athena.CreateWorkGroupInput{Name: aws.String("analysts"),
				Configuration: &athenatypes.WorkGroupConfiguration{ResultConfiguration: &athenatypes.ResultConfiguration{OutputLocation: aws.String("s3://results/")}}})
			w.must(err)
			return w.input(map[string]any{"workgroup": "analysts"})
		},
		undo: func(w *world, _ Input, _ Result) {
			_, err := athena.NewFromConfig(w.cfg).UpdateWorkGroup(w.ctx, &athena.UpdateWorkGroupInput{WorkGroup: aws.String("analysts"),
				ConfigurationUpdates: &athenatypes.WorkGroupConfigurationUpdates{PublishCloudWatchMetricsEnabled: aws.Bool(false)}})
			w.must(err)
		},
	},
}

// loadBalancer makes an application load balancer with, as asked, an
// HTTPS:443 listener and an HTTP:80 listener that forwards, with a rule
// that forwards /api/*; it returns the load balancer's ARN and the HTTP
// listener's.
func (w *world) loadBalancer(https, http bool) (lb, httpListener string) {
	cli := elb.NewFromConfig(w.cfg)
	v, err := w.ec2.CreateVpc(w.ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.40.0.0/16")})
	w.must(err)
	var subnets []string
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		sn, err := w.ec2.CreateSubnet(w.ctx, &ec2.CreateSubnetInput{VpcId: v.Vpc.VpcId, CidrBlock: aws.String(fmt.Sprintf("10.40.%d.0/24", i+1)), AvailabilityZone: aws.String(az)})
		w.must(err)
		subnets = append(subnets, aws.ToString(sn.Subnet.SubnetId))
	}
	out, err := cli.CreateLoadBalancer(w.ctx, &elb.CreateLoadBalancerInput{Name: aws.String("web"), Subnets: subnets})
	w.must(err)
	lb = aws.ToString(out.LoadBalancers[0].LoadBalancerArn)
	tg, err := cli.CreateTargetGroup(w.ctx, &elb.CreateTargetGroupInput{Name: aws.String("web"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(8080), VpcId: v.Vpc.VpcId})
	w.must(err)
	forward := []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tg.TargetGroups[0].TargetGroupArn}}
	if https {
		_, err := cli.CreateListener(w.ctx, &elb.CreateListenerInput{LoadBalancerArn: aws.String(lb), Protocol: elbtypes.ProtocolEnumHttps, Port: aws.Int32(443),
			Certificates: []elbtypes.Certificate{{CertificateArn: aws.String("arn:aws:acm:us-east-1:123456789012:certificate/1")}}, DefaultActions: forward})
		w.must(err)
	}
	if http {
		l, err := cli.CreateListener(w.ctx, &elb.CreateListenerInput{LoadBalancerArn: aws.String(lb), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80), DefaultActions: forward})
		w.must(err)
		httpListener = aws.ToString(l.Listeners[0].ListenerArn)
		_, err = cli.CreateRule(w.ctx, &elb.CreateRuleInput{ListenerArn: aws.String(httpListener), Priority: aws.Int32(10), Actions: forward,
			Conditions: []elbtypes.RuleCondition{{Field: aws.String("path-pattern"), PathPatternConfig: &elbtypes.PathPatternConditionConfig{Values: []string{"/api/*"}}}}})
		w.must(err)
	}
	return lb, httpListener
}

// taskDefinitions registers n revisions of the family "api", each with a
// writable app container and a read-only sidecar, and returns the last
// one's ARN.
func (w *world) taskDefinitions(n int) string {
	var arn string
	for i := 1; i <= n; i++ {
		out, err := ecs.NewFromConfig(w.cfg).RegisterTaskDefinition(w.ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("api"),
			TaskRoleArn: aws.String("arn:aws:iam::123456789012:role/api-task"), NetworkMode: ecstypes.NetworkModeAwsvpc, Cpu: aws.String("256"), Memory: aws.String("512"),
			ContainerDefinitions: []ecstypes.ContainerDefinition{
				{Name: aws.String("app"), Image: aws.String(fmt.Sprintf("api:%d", i)), Environment: []ecstypes.KeyValuePair{{Name: aws.String("MODE"), Value: aws.String("prod")}}},
				{Name: aws.String("envoy"), Image: aws.String("envoy"), ReadonlyRootFilesystem: aws.Bool(true)}},
			Tags: []ecstypes.Tag{{Key: aws.String("team"), Value: aws.String("api")}}})
		w.must(err)
		arn = aws.ToString(out.TaskDefinition.TaskDefinitionArn)
	}
	return arn
}

func (w *world) function(name string) {
	_, err := lambda.NewFromConfig(w.cfg).CreateFunction(w.ctx, &lambda.CreateFunctionInput{FunctionName: aws.String(name), Runtime: "python3.12",
		Handler: aws.String("app.handler"), Role: aws.String("arn:aws:iam::123456789012:role/fn"), Code: &lambdatypes.FunctionCode{ZipFile: []byte("code")}})
	w.must(err)
}

// permission adds a statement to a function's policy.
func (w *world) permission(fn, sid, principal, sourceAccount, urlAuth string) {
	in := &lambda.AddPermissionInput{FunctionName: aws.String(fn), StatementId: aws.String(sid), Action: aws.String("lambda:InvokeFunction"), Principal: aws.String(principal)}
	if sourceAccount != "" {
		in.SourceAccount = aws.String(sourceAccount)
	}
	if urlAuth != "" {
		in.Action = aws.String("lambda:InvokeFunctionUrl")
		in.FunctionUrlAuthType = lambdatypes.FunctionUrlAuthType(urlAuth)
	}
	_, err := lambda.NewFromConfig(w.cfg).AddPermission(w.ctx, in)
	w.must(err)
}

// project makes a CodeBuild project with two environment variables.
func (w *world) project(name string, privileged bool) {
	_, err := codebuild.NewFromConfig(w.cfg).CreateProject(w.ctx, &codebuild.CreateProjectInput{Name: aws.String(name),
		Source: &cbtypes.ProjectSource{Type: cbtypes.SourceTypeGithub, Location: aws.String("https://github.com/o/r")}, Artifacts: &cbtypes.ProjectArtifacts{Type: cbtypes.ArtifactsTypeNoArtifacts},
		ServiceRole: aws.String("arn:aws:iam::123456789012:role/codebuild"),
		Environment: &cbtypes.ProjectEnvironment{Type: cbtypes.EnvironmentTypeLinuxContainer, Image: aws.String("aws/codebuild/standard:7.0"),
			ComputeType: cbtypes.ComputeTypeBuildGeneral1Small, PrivilegedMode: aws.Bool(privileged),
			EnvironmentVariables: []cbtypes.EnvironmentVariable{{Name: aws.String("STAGE"), Value: aws.String("prod")},
				{Name: aws.String("TOKEN"), Value: aws.String("/ci/token"), Type: cbtypes.EnvironmentVariableTypeParameterStore}}}})
	w.must(err)
}

// credentialScenarios are the scenarios of the CodeBuild credential move.
var credentialScenarios = map[string]scenario{
	"codebuild.move-credentials-to-parameter-store": {
		setup: func(w *world) Input {
			w.credentialProject("deploy")
			return w.input(map[string]any{"project": "deploy"})
		},
		undo: func(w *world, _ Input, _ Result) {
			p, err := getProject(w.ctx, codebuild.NewFromConfig(w.cfg), "deploy")
			w.must(err)
			env := *p.Environment
			env.EnvironmentVariables = append(env.EnvironmentVariables, cbtypes.EnvironmentVariable{Name: aws.String("AWS_ACCESS_KEY_ID"), Value: aws.String("AKIAEXAMPLEEXAMPLE12"), Type: cbtypes.EnvironmentVariableTypePlaintext})
			env.EnvironmentVariables = slicesDeleteName(env.EnvironmentVariables, 0)
			_, err = codebuild.NewFromConfig(w.cfg).UpdateProject(w.ctx, &codebuild.UpdateProjectInput{Name: aws.String("deploy"), Environment: &env})
			w.must(err)
		},
	},
}

// slicesDeleteName drops variable i.
func slicesDeleteName(vs []cbtypes.EnvironmentVariable, i int) []cbtypes.EnvironmentVariable {
	return append(vs[:i:i], vs[i+1:]...)
}

// credentialSecret is the secret a test project holds in plaintext.
const credentialSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

// credentialProject makes a project whose environment holds AWS
// credentials in plaintext beside another variable, with a service role.
func (w *world) credentialProject(name string) {
	_, err := w.iam.CreateRole(w.ctx, &iam.CreateRoleInput{RoleName: aws.String(name + "-build"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"codebuild.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	w.must(err)
	_, err = codebuild.NewFromConfig(w.cfg).CreateProject(w.ctx, &codebuild.CreateProjectInput{Name: aws.String(name),
		Source: &cbtypes.ProjectSource{Type: cbtypes.SourceTypeNoSource, Buildspec: aws.String("version: 0.2")}, Artifacts: &cbtypes.ProjectArtifacts{Type: cbtypes.ArtifactsTypeNoArtifacts},
		ServiceRole: aws.String("arn:aws:iam::123456789012:role/" + name + "-build"),
		Environment: &cbtypes.ProjectEnvironment{Type: cbtypes.EnvironmentTypeLinuxContainer, Image: aws.String("aws/codebuild/standard:7.0"), ComputeType: cbtypes.ComputeTypeBuildGeneral1Small,
			EnvironmentVariables: []cbtypes.EnvironmentVariable{
				{Name: aws.String("AWS_ACCESS_KEY_ID"), Value: aws.String("AKIAEXAMPLEEXAMPLE12")},
				{Name: aws.String("aws_secret_access_key"), Value: aws.String(credentialSecret), Type: cbtypes.EnvironmentVariableTypePlaintext},
				{Name: aws.String("STAGE"), Value: aws.String("prod")}}}})
	w.must(err)
}
