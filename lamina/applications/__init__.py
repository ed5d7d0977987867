"""keras.applications: ImageNet models with Keras's layer names, weight
order and published weight files (one module per architecture family)."""

from lamina.applications import imagenet_utils as imagenet_utils
from lamina.applications import resnet as resnet
from lamina.applications import resnet50 as resnet50
from lamina.applications import resnet_v2 as resnet_v2
from lamina.applications import vgg16 as vgg16
from lamina.applications import vgg19 as vgg19
from lamina.applications.resnet import ResNet50 as ResNet50
from lamina.applications.resnet import ResNet101 as ResNet101
from lamina.applications.resnet import ResNet152 as ResNet152
from lamina.applications.resnet_v2 import ResNet50V2 as ResNet50V2
from lamina.applications.resnet_v2 import ResNet101V2 as ResNet101V2
from lamina.applications.resnet_v2 import ResNet152V2 as ResNet152V2
from lamina.applications.vgg16 import VGG16 as VGG16
from lamina.applications.vgg19 import VGG19 as VGG19
