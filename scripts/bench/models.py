"""PyTorch twins of deat's models, with the same state_dict keys (used by benchmarks and tests).

Normalisation is a module without state (deat keeps mean/std in checkpoint metadata, not tensors).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Normalize(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.mean = torch.tensor(mean).view(1, -1, 1, 1)
        self.std = torch.tensor(std).view(1, -1, 1, 1)

    def forward(self, x):
        return (x - self.mean.to(x.device)) / self.std.to(x.device)


class SmallCNN(nn.Module):
    """deat's Sources/Models/SmallCNN.swift: 1→32, 32→64 /2, 64→128 /2, global avg pool, linear."""

    def __init__(self, in_channels=1, classes=10, mean=(0.2860,), std=(0.3530,)):
        super().__init__()
        self.normalize = Normalize(mean, std)
        in_channels = len(mean)
        self.conv1 = nn.Conv2d(in_channels, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, stride=2, padding=1)
        self.conv3 = nn.Conv2d(64, 128, 3, stride=2, padding=1)
        self.fc = nn.Linear(128, classes)

    def forward(self, x):
        x = self.normalize(x)
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.relu(self.conv3(x))
        x = F.adaptive_avg_pool2d(x, (1, 1)).flatten(1)
        return self.fc(x)


class PreActBlock(nn.Module):
    """locuslab/fast_adversarial CIFAR10/preact_resnet.py: the shortcut takes the raw input x."""

    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_planes)
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        if stride != 1 or in_planes != self.expansion * planes:
            self.shortcut = nn.Sequential(nn.Conv2d(in_planes, self.expansion * planes, kernel_size=1, stride=stride, bias=False))

    def forward(self, x):
        out = F.relu(self.bn1(x))
        shortcut = self.shortcut(x) if hasattr(self, "shortcut") else x
        out = self.conv1(out)
        out = self.conv2(F.relu(self.bn2(out)))
        return out + shortcut


class PreActResNet18(nn.Module):
    def __init__(self, classes=10, mean=(0.4914, 0.4822, 0.4465), std=(0.2471, 0.2435, 0.2616)):
        super().__init__()
        self.normalize = Normalize(mean, std)
        self.in_planes = 64
        self.conv1 = nn.Conv2d(len(mean), 64, kernel_size=3, stride=1, padding=1, bias=False)
        self.layer1 = self._make_layer(64, 1)
        self.layer2 = self._make_layer(128, 2)
        self.layer3 = self._make_layer(256, 2)
        self.layer4 = self._make_layer(512, 2)
        self.bn = nn.BatchNorm2d(512)
        self.linear = nn.Linear(512, classes)

    def _make_layer(self, planes, stride):
        layers = []
        for s in [stride, 1]:
            layers.append(PreActBlock(self.in_planes, planes, s))
            self.in_planes = planes
        return nn.Sequential(*layers)

    def forward(self, x):
        out = self.conv1(self.normalize(x))
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
        out = F.relu(self.bn(out))
        out = F.avg_pool2d(out, 4)
        return self.linear(out.view(out.size(0), -1))


class BasicBlock(nn.Module):
    """yaodongyu/TRADES models/wideresnet.py: when the width changes, x becomes relu(bn1(x))."""

    def __init__(self, in_planes, out_planes, stride, drop_rate=0.0):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_planes)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_planes)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(out_planes, out_planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.droprate = drop_rate
        self.equalInOut = in_planes == out_planes
        self.convShortcut = (not self.equalInOut) and nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, padding=0, bias=False) or None

    def forward(self, x):
        if not self.equalInOut:
            x = self.relu1(self.bn1(x))
        else:
            out = self.relu1(self.bn1(x))
        out = self.relu2(self.bn2(self.conv1(out if self.equalInOut else x)))
        if self.droprate > 0:
            out = F.dropout(out, p=self.droprate, training=self.training)
        out = self.conv2(out)
        return torch.add(x if self.equalInOut else self.convShortcut(x), out)


class NetworkBlock(nn.Module):
    def __init__(self, nb_layers, in_planes, out_planes, stride, drop_rate=0.0):
        super().__init__()
        self.layer = nn.Sequential(*[
            BasicBlock(i == 0 and in_planes or out_planes, out_planes, i == 0 and stride or 1, drop_rate)
            for i in range(int(nb_layers))
        ])

    def forward(self, x):
        return self.layer(x)


class WideResNet(nn.Module):
    """DEAT's layout (no TRADES sub_block1), TRADES's init."""

    def __init__(self, depth=34, widen=10, classes=10, drop_rate=0.0, mean=(0.4914, 0.4822, 0.4465), std=(0.2471, 0.2435, 0.2616)):
        super().__init__()
        import math

        channels = [16, 16 * widen, 32 * widen, 64 * widen]
        n = (depth - 4) // 6
        self.normalize = Normalize(mean, std)
        self.conv1 = nn.Conv2d(len(mean), channels[0], kernel_size=3, stride=1, padding=1, bias=False)
        self.block1 = NetworkBlock(n, channels[0], channels[1], 1, drop_rate)
        self.block2 = NetworkBlock(n, channels[1], channels[2], 2, drop_rate)
        self.block3 = NetworkBlock(n, channels[2], channels[3], 2, drop_rate)
        self.bn1 = nn.BatchNorm2d(channels[3])
        self.relu = nn.ReLU(inplace=True)
        self.fc = nn.Linear(channels[3], classes)
        self.nChannels = channels[3]
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                k = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
                m.weight.data.normal_(0, math.sqrt(2.0 / k))
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.data.fill_(1)
                m.bias.data.zero_()
            elif isinstance(m, nn.Linear):
                m.bias.data.zero_()

    def forward(self, x):
        out = self.conv1(self.normalize(x))
        out = self.block3(self.block2(self.block1(out)))
        out = self.relu(self.bn1(out))
        out = F.avg_pool2d(out, 8)
        return self.fc(out.view(-1, self.nChannels))


def resnet(depth, classes=1000, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)):
    """deat's Sources/Models/ResNet.swift: torchvision's own ResNet-18/50 (same state_dict), normalising
    first (no state_dict key). torchvision is imported only here: the other twins do without it."""
    from torchvision.models import resnet as tv

    block, layers = {18: (tv.BasicBlock, [2, 2, 2, 2]), 50: (tv.Bottleneck, [3, 4, 6, 3])}[depth]

    class NormalizedResNet(tv.ResNet):
        def __init__(self):
            super().__init__(block, layers, num_classes=classes)
            self.normalize = Normalize(mean, std)

        def forward(self, x):
            return self._forward_impl(self.normalize(x))

    return NormalizedResNet()


def build(name, classes=10, mean=None, std=None):
    """The PyTorch twin of deat's ModelKind names."""
    kwargs = {"classes": classes}
    if mean is not None:
        kwargs.update(mean=tuple(mean), std=tuple(std))
    if name == "small-cnn":
        return SmallCNN(in_channels=len(mean) if mean else 1, **kwargs)
    if name == "preact-resnet18":
        return PreActResNet18(**kwargs)
    if name.startswith("wide-resnet-"):
        _, _, depth, widen = name.split("-")
        return WideResNet(depth=int(depth), widen=int(widen), **kwargs)
    if name.replace("-", "") in ("resnet18", "resnet50"):
        return resnet(int(name[-2:]), **kwargs)
    raise ValueError(f"unknown model {name}")
